import { parsePack, type Pack } from '../pack/load-pack.js';
import type { Run } from '../store/run-store.js';
import { PACK_DIR } from './layout.js';

/** The run's own copy of its prompt pack, as recorded at init. */
export function loadRunPack(run: Run): Pack {
  return parsePack(run.readBytes(`${PACK_DIR}/manifest.json`), (name) => run.readBytes(`${PACK_DIR}/${name}`), `run ${run.id} ${PACK_DIR}`);
}

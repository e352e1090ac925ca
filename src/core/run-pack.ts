import { parsePack, parsePackManifest, type Pack } from '../pack/load-pack.js';
import type { PackManifest } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { PACK_DIR } from './layout.js';

const where = (run: Run): string => `run ${run.id} ${PACK_DIR}`;

/** The run's own copy of its prompt pack, as recorded at init. */
export function loadRunPack(run: Run): Pack {
  return parsePack(run.readBytes(`${PACK_DIR}/manifest.json`), (name) => run.readBytes(`${PACK_DIR}/${name}`), where(run));
}

/** The manifest of the run's copy of its pack alone (its limits), without parsing its prompt templates. */
export function loadRunPackManifest(run: Run): PackManifest {
  return parsePackManifest(run.readBytes(`${PACK_DIR}/manifest.json`), where(run));
}

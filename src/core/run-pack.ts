import { parsePack, parsePackManifest, type Pack } from '../pack/load-pack.js';
import type { PackManifest } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { PACK_DIR } from './layout.js';

const where = (run: Run): string => `run ${run.id} ${PACK_DIR}`;

/**
 * Each opened run's pack, read and checked once per command: a model call asks for it three
 * times (the prompt, the file list's cap, the reply's limit), and nothing writes a run's pack
 * after init.
 */
const loaded = new WeakMap<Run, Pack>();

/** The run's own copy of its prompt pack, as recorded at init. */
export function loadRunPack(run: Run): Pack {
  let pack = loaded.get(run);
  if (pack === undefined) {
    pack = parsePack(run.readBytes(`${PACK_DIR}/manifest.json`), (name) => run.readBytes(`${PACK_DIR}/${name}`), where(run));
    loaded.set(run, pack);
  }
  return pack;
}

/** The manifest of the run's copy of its pack alone (its limits), without parsing its prompt templates. */
export function loadRunPackManifest(run: Run): PackManifest {
  return parsePackManifest(run.readBytes(`${PACK_DIR}/manifest.json`), where(run));
}

/**
 * The environment every bench's child processes run in, set before anything is started: imported
 * first by each bench that times Node processes.
 *
 * NODE_EXTRA_CA_CERTS makes Node 20 read and parse that certificate file as every process starts,
 * before any of its own code runs (on the machines this project is measured on, a 200 KB bundle:
 * 70-80 ms, where `node -e ''` otherwise takes 30-40 ms; Node 22 and 24 read it only for TLS).
 * Left set, it is paid by the bare Node
 * the ratios are taken against as much as by the tool, and a ratio to a start-up three times its
 * size says little about the tool. No bench talks TLS (the model server is an in-process fake on
 * loopback), so it is taken out for all of them, and the bench says so.
 */
const SLOW_START = ['NODE_EXTRA_CA_CERTS'] as const;

const removed = SLOW_START.filter((name) => process.env[name] !== undefined);
for (const name of removed) delete process.env[name];

/** A line for the bench's output when something was taken out of its children's environment; '' otherwise. */
export const benchEnvNote = removed.length === 0 ? '' : `(run without ${removed.join(', ')}, set here: Node 20 reads it as every process starts, bare Node included)`;

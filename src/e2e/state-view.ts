// Reads hastmon's state file (DESIGN §7) back into values, as `watch cat` users read it by eye.

export interface StateRow {
  node: string;
  /** The row of the node that wrote the file. */
  self: boolean;
  /** As shown: a resource state, TIMEDOUT or UNKNOWN. */
  state: string;
  role: string;
  vote: string;
}

export interface ResourceStatus {
  name: string;
  /** '' when the file says `holder none`. */
  holder: string;
  reason: string;
  quorum: number;
  voters: number;
  /** The writer's own attempts, `used/max`. */
  attempts: string;
  /** The line on etcd's key (`ours, counts 1.4 s more`, `held by bolek`…), '' without etcd. */
  etcd: string;
  rows: StateRow[];
}

export interface StateFileView {
  node: string;
  pid: number;
  incarnation: string;
  /** When the daemon wrote the file, wall clock, in milliseconds. */
  writtenAtMs: number;
  resources: ResourceStatus[];
}

const HEADER = /^hastmon on (\S+), pid (\d+)(?:, role [^,]+)?, incarnation (\d+)$/;
const WRITTEN = /^written (\S+) \(epoch \d+\)$/;
const RESOURCE = /^resource (\S+): holder (\S+) \(quorum (\d+) of (\d+) voters/;
const REASON = /^ {2}reason: (.*)$/;
const ETCD = /^ {2}etcd: (.*)$/;
const ROW = /^ {2}([* ]) (\S+)\s+\[(\w+)\]\s+role (\S+)(?:\s+configured-role \S+)?\s+priority \S+\s+heard .+?\s+vote (\S+)(?:\s+attempts (\d+\/\d+))?$/;

/** The file's content as values, or undefined if it is not a complete state file. */
export function parseStateFile(text: string): StateFileView | undefined {
  const lines = text.split('\n');
  const header = HEADER.exec(lines[0] ?? '');
  const written = WRITTEN.exec(lines[1] ?? '');
  if (header === null || written === null || !text.endsWith('\n')) return undefined;
  const view: StateFileView = {
    node: header[1] ?? '',
    pid: Number(header[2]),
    incarnation: header[3] ?? '',
    writtenAtMs: Date.parse(written[1] ?? ''),
    resources: [],
  };
  let current: ResourceStatus | undefined;
  for (const line of lines.slice(1)) {
    const resource = RESOURCE.exec(line);
    if (resource !== null) {
      const holder = resource[2] ?? '';
      current = {
        name: resource[1] ?? '',
        holder: holder === 'none' ? '' : holder,
        reason: '',
        quorum: Number(resource[3]),
        voters: Number(resource[4]),
        attempts: '',
        etcd: '',
        rows: [],
      };
      view.resources.push(current);
      continue;
    }
    if (current === undefined) continue;
    const reason = REASON.exec(line);
    if (reason !== null) {
      current.reason = reason[1] ?? '';
      continue;
    }
    const etcd = ETCD.exec(line);
    if (etcd !== null) {
      current.etcd = etcd[1] ?? '';
      continue;
    }
    const row = ROW.exec(line);
    if (row === null) continue;
    const self = row[1] === '*';
    current.rows.push({ node: row[2] ?? '', self, state: row[3] ?? '', role: row[4] ?? '', vote: row[5] ?? '' });
    if (self) current.attempts = row[6] ?? '';
  }
  return view;
}

// Every default of hastmon.conf and of the command line, each with the reason for its value.
// Times are in milliseconds, as everywhere in the core.

/** Where the configuration is read from without `-c` (hastmon(8)). */
export const DEFAULT_CONFIG_PATH = '/usr/local/etc/hastmon.conf';

/** The daemon's process id, one instance per pid file (hastmon(8)). */
export const DEFAULT_PID_FILE = '/var/run/hastmon.pid';

/** The plain-text state file users `watch cat` (FreeHA's /var/run/freeha). */
export const DEFAULT_STATE_FILE = '/var/run/hastmon';

/** The control socket `hastmonctl` talks to (hastmon(8)). */
export const DEFAULT_CONTROL_SOCKET = '/var/run/hastmonctl';

/**
 * The longest control socket path: a Unix socket's address holds 108 bytes with the NUL on Linux,
 * and the daemon binds the socket at a private path 10 bytes longer (`.NAME.XXXXXX/s` beside it)
 * before linking it into place; a longer path would be silently cut short.
 */
export const MAX_CONTROL_PATH_BYTES = 108 - 1 - 10;

/** Without a configuration file, the directory holding starthasrv, monitorhasrv and stophasrv. */
export const DEFAULT_SCRIPT_DIR = '/usr/local/etc/hastmon';

/** Without a configuration file and without `-n`: a pair, FreeHA's usual cluster. */
export const DEFAULT_EXPECTED_NODES = 2;

/**
 * Sections nest at most this deep: HASTMON's grammar needs three (the file, resource, on); the
 * margin is for mistakes, and the bound keeps a hostile file from exhausting the parser's stack.
 */
export const MAX_SECTION_DEPTH = 16;

/** UDP port for heartbeats, on the listen address and the multicast group alike. */
export const DEFAULT_PORT = 8458;

/** Unicast heartbeats are received on every local address unless `listen` narrows it. */
export const DEFAULT_LISTEN_HOST = '0.0.0.0';

/** An administratively scoped group (RFC 2365), so heartbeats stay inside the site. */
export const DEFAULT_MULTICAST_GROUP = '239.255.42.99';

/** TTL 1: heartbeats never cross a router unless asked to. */
export const DEFAULT_MULTICAST_TTL = 1;

/** pha's sender rate: five heartbeats a second. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 200;

/** A peer is TIMEDOUT after a second of silence: five lost heartbeats at the default rate. */
export const DEFAULT_DEADTIME_MS = 1_000;

/**
 * With a heartbeat interval slower than the default (HASTMON files say `heartbeat_interval 10`),
 * the default deadtime stretches to this many heartbeats so that such a file still loads.
 */
export const DEADTIME_IN_HEARTBEATS = 5;

/** A voter's promise lasts as long as a peer takes to time out; never shorter than deadtime. */
export const DEFAULT_LEASE_MS = 1_000;

/** The guard is this fraction of the lease (derived, not a keyword): covers drift and pauses. */
export const GUARD_FRACTION_OF_LEASE = 0.1;

/** Clock rate error the lease arithmetic tolerates: 1%, far above real oscillators. */
export const MAX_CLOCK_DRIFT = 0.01;

/** Start or restart attempts before ERRORED (HASTMON's "attempts: 0 from 5"). */
export const DEFAULT_ATTEMPTS = 5;

/** pha's supervise loop ran every 2 s. */
export const DEFAULT_MONITOR_INTERVAL_MS = 2_000;

/** FailSafe's advice: a monitor failure must repeat before it counts. */
export const DEFAULT_MONITOR_FALL = 3;

/**
 * FreeHA's way: a confirmed monitor failure releases the resource (ERRORED here) and the next node
 * takes over at once. Restarting in place first is a choice per resource type (Linux FailSafe).
 */
export const DEFAULT_LOCAL_RESTARTS = 0;

/** Any script running longer is killed with its process group. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 30_000;

/** HASTMON's "complaints: 0 for last 60 sec (threshold 3)". */
export const DEFAULT_COMPLAINT_COUNT = 3;

/** HASTMON's "complaints: 0 for last 60 sec (threshold 3)". */
export const DEFAULT_COMPLAINT_INTERVAL_MS = 60_000;

/** TERM hands resources over at once unless the operator wants time to change their mind. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 0;

/** pha's `offline` without a duration. */
export const DEFAULT_OFFLINE_MS = 30_000;

/** Service nodes without a priority are equal; the host name then decides (FreeHA). */
export const DEFAULT_PRIORITY = 100;

/** An eligible standby: the election promotes one node on its own, as FreeHA does. */
export const DEFAULT_ROLE_ON_START = 'secondary';

/** Failing back is the operator's act (`kill -HUP`), never automatic. */
export const DEFAULT_FAILBACK = 'manual';

/**
 * One request to etcd may take this long before the next endpoint is tried. etcd answers in
 * milliseconds on a LAN and in tens of them across sites; a second means the member is gone or cut
 * off, and still leaves the shortest TTL (2 s) time to renew through another endpoint.
 */
export const DEFAULT_ETCD_TIMEOUT_MS = 1_000;

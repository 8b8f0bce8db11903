// sysexits(3): hastmon's exit statuses, as hastmon(8) promises.

export const EX_OK = 0;
/** The command was used incorrectly: bad flag, missing argument. */
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_NOINPUT = 66;
export const EX_UNAVAILABLE = 69;
/** An internal error. */
export const EX_SOFTWARE = 70;
export const EX_OSERR = 71;
export const EX_CANTCREAT = 73;
export const EX_IOERR = 74;
export const EX_TEMPFAIL = 75;
export const EX_NOPERM = 77;
/** Something was found in an unconfigured or misconfigured state. */
export const EX_CONFIG = 78;

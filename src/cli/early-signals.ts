// Imported first by the hastmon command: the signal handlers are in place before any other module
// is even evaluated, so an early SIGUSR1 cannot open Node's inspector and an early HUP cannot
// kill the daemon (see SignalFlags.install).
import { controlSignals } from '../io/signals.js';

controlSignals.install();

// test: every property test of the fast tier runs with one fixed seed, so CI runs the same cases each time;
// a failure prints its seed and path (fast-check does), and FC_SEED=<seed> replays it, FC_SEED=random explores.
// And Powertools keeps its CloudWatch metrics (EMF lines on stdout) to itself: there is no CloudWatch here.
import fc from 'fast-check';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const requested = process.env.FC_SEED;
const seed = requested === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(requested ?? 20261201);
fc.configureGlobal({ seed });
if (requested === 'random') process.stdout.write(`[fast-check] seed ${seed}\n`);

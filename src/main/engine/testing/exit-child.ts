// Test child (issue 12): starts a native LCSS matrix that would run for a minute or more (8e10 cells), then calls process.exit(0) once
// the job reports progress. The parent test only checks that this process exits. Never used by the app.
import { createNativeEngine, loadNativeBinding } from '..';

const loaded = loadNativeBinding();
if (!loaded.binding) {
  process.stdout.write('no-native\n');
  process.exit(3);
}
const engine = createNativeEngine(loaded.binding);
const series = Array.from({ length: 200 }, (_, i) => Float64Array.from({ length: 2000 }, (_, j) => Math.sin(i + j / 7)));
let exiting = false;
// Two jobs: without cancellation on exit, the process would wait for both (about a minute here).
for (let job = 0; job < 2; job++) {
  void engine
    .lcssMatrixAsync(series, {
      epsilon: 0.1,
      onProgress: (f) => {
        if (f > 0 && !exiting) {
          exiting = true;
          process.stdout.write('started\n');
          process.exit(0);
        }
      },
    })
    .catch((err: unknown) => process.stdout.write(`failed ${String((err as Error).message)}\n`));
}

/**
 * A one-line terminal progress bar with ETA, drawn on stderr (only when it is a terminal).
 */
import type { CliIO } from './command';

export interface ProgressBar {
  update: (fraction: number) => void;
  done: () => void;
}

export function progressBar(io: CliIO, label: string): ProgressBar {
  const t0 = Date.now();
  let lastDraw = 0;
  const draw = (f: number): void => {
    const width = 30;
    const filled = Math.round(f * width);
    const elapsed = (Date.now() - t0) / 1000;
    const eta = f > 0.01 ? (elapsed / f) * (1 - f) : Number.NaN;
    const etaText = Number.isFinite(eta) ? `ETA ${eta.toFixed(1)}s` : 'ETA --';
    io.stderr(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${etaText}   `);
  };
  return {
    update(fraction) {
      const now = Date.now();
      if (now - lastDraw < 100 && fraction < 1) return;
      lastDraw = now;
      draw(Math.min(1, Math.max(0, fraction)));
    },
    done() {
      draw(1);
      io.stderr('\n');
    },
  };
}

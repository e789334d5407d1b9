// A lightweight-charts series primitive that fills the forecast cone's bands (10–90 % and 25–75 %) between
// percentile lines, behind the lines themselves. Only draws what it is given (src/shared/numerics/cone.ts
// computes the cone); never computes a price.
import type { IChartApi, IPrimitivePaneRenderer, IPrimitivePaneView, ISeriesApi, ISeriesPrimitive, SeriesAttachedParameter, SeriesType, Time } from 'lightweight-charts';

type Target = Parameters<IPrimitivePaneRenderer['draw']>[0];

export interface ConeBand {
  times: Time[];
  lower: number[];
  upper: number[];
  color: string;
}

export class ConeFill implements ISeriesPrimitive<Time> {
  private chart: IChartApi | null = null;
  private series: ISeriesApi<SeriesType> | null = null;
  private requestUpdate: (() => void) | null = null;
  private bands: ConeBand[] = [];

  attached(p: SeriesAttachedParameter<Time>): void {
    this.chart = p.chart as IChartApi;
    this.series = p.series as ISeriesApi<SeriesType>;
    this.requestUpdate = p.requestUpdate;
  }

  detached(): void {
    this.chart = null;
    this.series = null;
    this.requestUpdate = null;
  }

  setBands(bands: ConeBand[]): void {
    this.bands = bands;
    this.requestUpdate?.();
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return [{ zOrder: () => 'bottom', renderer: () => ({ draw: (target: Target) => this.draw(target) }) }];
  }

  private draw(target: Target): void {
    const chart = this.chart;
    const series = this.series;
    if (!chart || !series || this.bands.length === 0) return;
    target.useBitmapCoordinateSpace(({ context: ctx, horizontalPixelRatio: hr, verticalPixelRatio: vr }) => {
      for (const band of this.bands) {
        const upper: Array<[number, number]> = [];
        const lower: Array<[number, number]> = [];
        for (let j = 0; j < band.times.length; j++) {
          const x = chart.timeScale().timeToCoordinate(band.times[j]!);
          const yu = series.priceToCoordinate(band.upper[j]!);
          const yl = series.priceToCoordinate(band.lower[j]!);
          if (x === null || yu === null || yl === null) continue;
          upper.push([x * hr, yu * vr]);
          lower.push([x * hr, yl * vr]);
        }
        if (upper.length < 2) continue;
        ctx.beginPath();
        ctx.moveTo(upper[0]![0], upper[0]![1]);
        for (const [x, y] of upper.slice(1)) ctx.lineTo(x, y);
        for (const [x, y] of lower.reverse()) ctx.lineTo(x, y);
        ctx.closePath();
        ctx.fillStyle = band.color;
        ctx.fill();
      }
    });
  }
}

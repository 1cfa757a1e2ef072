// One chart: a heading, the bars (Chart.js on a canvas), and the same numbers as a table for those who do
// not see the canvas. The canvas's box gets data-ready="true" once Chart.js has drawn it.
import type { Chart } from "chart.js";
import { useLayoutEffect, useRef } from "preact/hooks";
import { Empty } from "../../components/ui";
import { fill, locales, useLanguage, useMessages } from "../../i18n";
import { number } from "../../lib/format";
import { PALETTE } from "./palette";

export interface Series {
  label: string;
  values: number[];
}

// Chart.js is fetched on its own, starting when the dashboards module loads, so it arrives while the API
// is still answering instead of delaying the first request.
let library: Promise<typeof import("./chartjs")> | null = null;
export function loadChartLibrary() {
  return (library ??= import("./chartjs"));
}

/** After the browser has painted what it has: the first chart is not held up by drawing the others. */
function later(run: () => void): () => void {
  let timer = 0;
  const frame = requestAnimationFrame(() => { timer = window.setTimeout(run, 0); });
  return () => { cancelAnimationFrame(frame); clearTimeout(timer); };
}

export function BarChart({ id, title, labels, series, horizontal = false, percent = false, digits = 0, first = false }: {
  id: string;
  title: string;
  labels: string[];
  series: Series[];
  /** Bars along the x axis: for long labels, which then read left to right. */
  horizontal?: boolean;
  /** Values are shares between 0 and 1, shown as percentages. */
  percent?: boolean;
  digits?: number;
  /** The chart to draw before any other, as soon as its data and Chart.js are there. */
  first?: boolean;
}) {
  const m = useMessages();
  const lang = useLanguage();
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const headingId = `chart-${id}-title`;
  const empty = labels.length === 0 || series.every((s) => s.values.every((v) => !v));
  const show = (v: number) => percent
    ? new Intl.NumberFormat(locales[lang], { style: "percent", maximumFractionDigits: 1 }).format(v)
    : number(v, lang, digits);

  // A layout effect: started right after the canvas is in the page, not a frame later.
  useLayoutEffect(() => {
    if (empty || !canvas.current || !box.current) return;
    const container = box.current;
    const target = canvas.current;
    container.dataset.ready = "false";
    const room = horizontal ? (container.clientWidth < 560 ? 22 : 48) : 24;
    let chart: Chart | null = null;
    let cancel = () => {};
    let live = true;
    const draw = (ChartJs: typeof Chart) => new ChartJs(target, {
      type: "bar",
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label, data: s.values, backgroundColor: PALETTE[i % PALETTE.length],
          borderColor: "#1b1f24", borderWidth: 1,
        })),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        locale: locales[lang],
        plugins: {
          legend: { display: series.length > 1, position: "bottom" },
          tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${show(Number(ctx.raw))}` } },
        },
        scales: {
          [horizontal ? "x" : "y"]: {
            beginAtZero: true,
            ticks: { precision: percent ? undefined : 0, callback: (v: string | number) => show(Number(v)) },
            ...(percent ? { max: 1 } : {}),
          },
          // Long labels are shortened on the axis (in full in the tooltip and the table), more so on a phone.
          [horizontal ? "y" : "x"]: { ticks: { autoSkip: false, callback(value: string | number) {
            const label = this.getLabelForValue(Number(value));
            return label.length > room ? `${label.slice(0, room - 1)}…` : label;
          } } },
        },
      },
      plugins: [{ id: "ready", afterRender: () => { container.dataset.ready = "true"; } }],
    });
    loadChartLibrary().then(({ Chart: ChartJs }) => {
      if (!live) return;
      if (first) chart = draw(ChartJs);
      else cancel = later(() => { chart = draw(ChartJs); });
    });
    return () => {
      live = false;
      cancel();
      chart?.destroy();
    };
  }, [empty, JSON.stringify(labels), JSON.stringify(series), horizontal, percent, lang]);

  // Horizontal charts grow with their bars so long labels are never squeezed.
  const height = horizontal ? Math.max(200, labels.length * series.length * 22 + 80) : undefined;
  return (
    <figure class="chart-card" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      {empty ? <Empty>{m.dashboards.noData}</Empty> : (
        <>
          <div class="chart" ref={box} data-chart={id} data-ready="false" style={height ? { height: `${height}px` } : undefined}>
            <canvas ref={canvas} role="img" aria-label={fill(m.dashboards.chartSummary, { title, n: labels.length })} />
          </div>
          <details>
            <summary>{m.dashboards.dataTable}</summary>
            <div class="table-wrap">
              <table>
                <caption class="sr-only">{title}</caption>
                <thead>
                  <tr>
                    <th scope="col">{m.dashboards.item}</th>
                    {series.map((s) => <th key={s.label} scope="col" class="num">{s.label}</th>)}
                  </tr>
                </thead>
                <tbody>
                  {labels.map((label, row) => (
                    <tr key={label}>
                      <th scope="row">{label}</th>
                      {series.map((s) => <td key={s.label} class="num">{show(s.values[row])}</td>)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </figure>
  );
}

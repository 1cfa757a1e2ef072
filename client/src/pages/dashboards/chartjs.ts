// Chart.js with only what the dashboards draw (bar charts), so the rest of the library is left out of the
// bundle. Drawn without animation: the numbers appear at once, and nothing moves for those who asked for less.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.color = "#1b1f24";
Chart.defaults.borderColor = "#c9d0d8";

export { Chart };

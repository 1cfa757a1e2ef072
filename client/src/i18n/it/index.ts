// Every Italian string of the client, one module per area of the application.
import calls from "./calls";
import common from "./common";
import dashboards from "./dashboards";
import datasets from "./datasets";
import emas from "./emas";
import events from "./events";
import map from "./map";
import products from "./products";
import registry from "./registry";
import screening from "./screening";
import territory from "./territory";

export default { common, registry, map, dashboards, datasets, events, emas, calls, screening, products, territory };

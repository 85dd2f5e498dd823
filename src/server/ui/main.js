// Wires the dashboard: the pod and event lists follow their watches; the selected pod's
// timelines and the Services are read incrementally (timeline.js, services.js).
import { ListWatcher, h, throttle, watchableResources } from "./api.js";
import { EventList } from "./events.js";
import { PodTable } from "./pods.js";
import { ServiceList } from "./services.js";
import { PodDetail } from "./timeline.js";

const detail = new PodDetail(document.getElementById("pod-detail"));
const pods = new PodTable(document.getElementById("pods"), (key) => {
  detail.select(key, pods.get(key));
  history.replaceState(null, "", `#${key}`);
});
const events = new EventList(document.getElementById("events"));
const services = new ServiceList(document.getElementById("services"));

// The connection indicator: one state per watched list.
const modes = {};
const indicator = document.getElementById("connection");
function setMode(list, mode, detailText) {
  modes[list] = mode;
  const all = Object.values(modes);
  const worst = all.includes("offline") ? "offline" : all.includes("polling") ? "polling" : "watch";
  indicator.className = `connection ${worst}`;
  indicator.textContent = { watch: "live (watch)", polling: "live (polling)", offline: "offline" }[worst];
  indicator.title = detailText || "";
}

const refreshServices = throttle(() => services.refresh(), 2000);
const watchable = await watchableResources();

new ListWatcher("/api/v1/pods", {
  reset(items) {
    pods.reset(items);
    if (!detail.key && location.hash.length > 1) {
      const key = decodeURIComponent(location.hash.slice(1));
      if (pods.get(key)) pods.select(key);
    } else if (detail.key) {
      detail.update(pods.get(detail.key));
    }
    refreshServices();
  },
  event(type, pod) {
    pods.apply(type, pod);
    if (detail.key && pods.get(detail.key) !== detail.pod) detail.update(pods.get(detail.key));
    refreshServices();
  },
  mode: (mode, text) => setMode("pods", mode, text),
}, { canWatch: watchable.has("pods") }).start();

new ListWatcher("/api/v1/events", {
  reset: (items) => events.reset(items),
  event: (type, event) => events.apply(type, event),
  mode: (mode, text) => setMode("events", mode, text),
}, { canWatch: watchable.has("events") }).start();

// Ages move on without any change: a light re-render of the visible rows.
setInterval(() => {
  pods.schedule();
  events.schedule();
}, 5000);
setInterval(refreshServices, 30000);

document.getElementById("version").append(h("span", {}, location.host));

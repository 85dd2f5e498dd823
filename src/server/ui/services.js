// Services and their endpoints, as the EndpointSlices say (ready / serving / terminating per
// endpoint). Neither has a watch on probelet, and they change only when a pod's readiness does:
// they are re-read when the pod watch reports a change (at most every 2 s) and every 30 s.
import { getJson, h } from "./api.js";

export class ServiceList {
  constructor(root) {
    this.root = root;
    this.body = h("div", { id: "service-list" }, h("p", { class: "hint" }, "loading..."));
    root.append(this.body);
  }

  async refresh() {
    let services, slices;
    try {
      [services, slices] = await Promise.all([
        getJson("/api/v1/services"),
        getJson("/apis/discovery.k8s.io/v1/endpointslices"),
      ]);
    } catch (error) {
      this.body.replaceChildren(h("p", { class: "hint" },
        error.status === 404 ? "This probelet serves no Services." : `unavailable: ${error.message}`));
      return;
    }
    const byService = new Map();
    for (const slice of slices.items || []) {
      const labels = (slice.metadata && slice.metadata.labels) || {};
      const key = `${slice.metadata.namespace}/${labels["kubernetes.io/service-name"] || ""}`;
      if (!byService.has(key)) byService.set(key, []);
      byService.get(key).push(slice);
    }
    const items = services.items || [];
    if (!items.length) {
      this.body.replaceChildren(h("p", { class: "hint" }, "No Services."));
      return;
    }
    this.body.replaceChildren(...items.map((svc) => this.service(svc,
      byService.get(`${svc.metadata.namespace}/${svc.metadata.name}`) || [])));
  }

  service(svc, slices) {
    const spec = svc.spec || {};
    const ports = (spec.ports || []).map((p) =>
      `${p.name ? p.name + " " : ""}${p.port}${p.nodePort ? ":" + p.nodePort : ""}` +
      `→${p.targetPort ?? p.port}/${p.protocol || "TCP"}`).join(", ");
    const rows = [];
    for (const slice of slices) {
      const port = (slice.ports || []).map((p) => p.port).join(",");
      for (const e of slice.endpoints || []) {
        const c = e.conditions || {};
        const ref = e.targetRef ? e.targetRef.name : "";
        rows.push(h("li", { class: c.ready ? "ok" : "bad", dataset: { pod: ref } },
          `${(e.addresses || []).join(",")}:${port} `, h("span", { class: "pod-ref" }, ref),
          ...[["ready", c.ready], ["serving", c.serving], ["terminating", c.terminating]]
            .map(([name, on]) => h("span", { class: `flag ${on ? "on" : "off"} f-${name}` }, name))));
      }
    }
    const ready = rows.filter((r) => r.classList.contains("ok")).length;
    return h("div", { class: "service", dataset: { service: svc.metadata.name } },
      h("h3", {}, `${svc.metadata.namespace}/${svc.metadata.name}`,
        h("span", { class: "badge" }, spec.type || "ClusterIP"),
        h("span", { class: "badge" }, spec.clusterIP || ""),
        h("span", { class: ready ? "badge ok" : "badge bad" }, `${ready}/${rows.length} ready`)),
      h("div", { class: "ports" }, ports),
      rows.length ? h("ul", { class: "endpoints" }, rows) : h("p", { class: "hint" }, "no endpoints"));
  }
}

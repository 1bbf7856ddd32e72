// The visits of a cycle on a Leaflet map: each visit's location as a circle coloured by its
// status, opening the visit. With no tile server configured the points are drawn on a blank
// background: nothing is fetched from outside the office.
(function () {
  "use strict";
  var box = document.getElementById("visit-map");
  if (!box || !window.L) { return; }
  var points = JSON.parse(document.getElementById("visit-points").textContent);
  var colours = { open: "#8a5a00", returned: "#a11d1d", submitted: "#1f5fbf",
                  checked: "#1f5fbf", approved: "#0b6e4f" };
  var map = L.map(box, { zoomSnap: 0.5 });
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
  }
  // The view first: Leaflet places layers (a circle's radius in metres) on a map with a view.
  if (points.length) {
    var bounds = L.latLngBounds(points.map(function (p) { return [p.lat, p.lng]; }));
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  } else {
    map.setView([-2.5, 118], 4);  // Indonesia
  }
  points.forEach(function (p) {
    if (p.accuracy) {
      L.circle([p.lat, p.lng], { radius: p.accuracy, color: colours[p.status], weight: 1,
                                 fillOpacity: 0.08, interactive: false }).addTo(map);
    }
    var marker = L.circleMarker([p.lat, p.lng], {
      radius: 8, color: colours[p.status] || "#333", weight: 2, fillOpacity: 0.7
    }).addTo(map);
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.label;
    marker.bindPopup(link);
  });
  box.dataset.drawn = String(points.length);
})();

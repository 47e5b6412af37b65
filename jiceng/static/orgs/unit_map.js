// Draw a unit's boundary. The intranet usually has no tile server, so the
// polygon goes on a blank map with a scale bar unless JICENG_MAP_TILES is set.
(() => {
  const element = document.getElementById("unit-map");
  if (!element || !window.L) return;
  const boundary = JSON.parse(document.getElementById("unit-boundary").textContent);
  const tiles = JSON.parse(document.getElementById("map-tiles").textContent);
  const map = L.map(element, { attributionControl: false });
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  const layer = L.geoJSON(boundary, { style: { color: "#b8141d", weight: 2, fillOpacity: 0.15 } }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  L.control.scale({ imperial: false }).addTo(map);
})();

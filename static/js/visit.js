// A visit filled on a phone: what is typed is kept on the phone until the visit is sent (a
// dropped connection or a closed tab loses nothing but the photos), and the home's location
// is read from the browser's geolocation with its accuracy.
(function () {
  "use strict";
  var done = document.querySelector("[data-clear-draft]");
  if (done) { try { localStorage.removeItem(done.dataset.clearDraft); } catch (e) {} }
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var key = form.dataset.draftKey;

  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken") { return; }
      if (el.type === "radio") { if (el.checked) { data[el.name] = el.value; } return; }
      data[el.name] = el.value;
    });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) {}
  }

  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return; }
    if (!saved || form.querySelector(".errorlist")) { return; }  // the server's answer wins
    Object.keys(saved).forEach(function (name) {
      Array.prototype.forEach.call(form.querySelectorAll('[name="' + name + '"]'), function (el) {
        if (el.type === "radio") { el.checked = el.value === saved[name]; }
        else if (el.type !== "file") { el.value = saved[name]; }
      });
    });
    document.getElementById("draft-note").hidden = false;
    show();
  }

  var button = document.getElementById("locate");
  var status = document.getElementById("location-status");
  function show() {
    var lat = form.elements.latitude.value, lng = form.elements.longitude.value;
    if (lat && lng) {
      status.textContent = button.dataset.found.replace("{lat}", lat).replace("{lng}", lng)
        .replace("{m}", form.elements.accuracy.value || "?");
    }
  }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = button.dataset.failed; return; }
    status.textContent = button.dataset.searching;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      form.elements.accuracy.value = Math.round(position.coords.accuracy);
      show();
      save();
    }, function () {
      status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  });

  form.addEventListener("input", save);
  form.addEventListener("change", save);
  restore();
})();

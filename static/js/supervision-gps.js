// 督导检查: the phone's position, when it gives one, into the form's hidden latitude/longitude (optional).
(function () {
  "use strict";
  var form = document.querySelector("form[data-inspection]");
  var status = document.querySelector("[data-gps-status]");
  var button = document.querySelector("[data-action=locate]");
  if (!form || !button || !navigator.geolocation) {
    if (button) button.hidden = true;
    return;
  }
  button.addEventListener("click", function () {
    status.textContent = status.dataset.waiting || "…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
        status.textContent = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
      },
      function () {
        status.textContent = status.dataset.failed || "";
      },
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
})();

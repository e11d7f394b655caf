// Price-change notice form: add line rows, and show a product's current prices under its
// select (from the option's data attributes) so the new prices can be typed against them.
(function () {
  "use strict";

  function addRow(prefix) {
    var template = document.getElementById(prefix + "-empty-form");
    var body = document.querySelector('[data-formset-body="' + prefix + '"]');
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!template || !body || !total) {
      return;
    }
    var index = parseInt(total.value, 10) || 0;
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
  }

  function showCurrent(select) {
    var row = select.closest("[data-formset-row]");
    var hint = row && row.querySelector("[data-current-prices]");
    var form = select.closest("form");
    if (!hint || !form) {
      return;
    }
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) {
      hint.textContent = "";
      return;
    }
    var label = form.getAttribute("data-current-label") || "";
    hint.textContent = label
      .replace("%(purchase)s", option.getAttribute("data-purchase") || "—")
      .replace("%(wholesale)s", option.getAttribute("data-wholesale") || "—")
      .replace("%(retail)s", option.getAttribute("data-retail") || "—");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (button) {
      event.preventDefault();
      addRow(button.getAttribute("data-add-row"));
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-price-product]")) {
      showCurrent(event.target);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-price-product]").forEach(showCurrent);
  });
})();

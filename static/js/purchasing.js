// Purchasing forms: add formset rows, default a line's VAT rate from its product, and fill
// a receipt row from a scanned GS1/UDI code (parsed by the server).
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
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
  }

  function rowOf(element) {
    return element.closest("[data-formset-row]");
  }

  function rowField(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  function setValue(row, name, value) {
    var field = rowField(row, name);
    if (field && value) {
      field.value = value;
    }
  }

  function scan(input) {
    var row = rowOf(input);
    var form = input.closest("form");
    var feedback = row && row.querySelector("[data-scan-feedback]");
    var code = input.value.trim();
    if (!row || !form || !code) {
      return;
    }
    var params = new URLSearchParams({ code: code });
    ["product", "order_line"].forEach(function (name) {
      var field = rowField(row, name);
      if (field && field.value) {
        params.set(name, field.value);
      }
    });
    fetch(form.getAttribute("data-scan-url") + "?" + params.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (feedback) {
          feedback.textContent = data.error || "";
        }
        input.classList.toggle("is-invalid", Boolean(data.error));
        if (data.error) {
          return;
        }
        setValue(row, "product", data.product ? String(data.product) : "");
        setValue(row, "batch_number", data.batch);
        setValue(row, "serial_number", data.serial);
        setValue(row, "production_date", data.production_date);
        setValue(row, "expiry_date", data.expiry_date);
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (button) {
      event.preventDefault();
      addRow(button.getAttribute("data-add-row"));
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-product-select]")) {
      var option = target.options[target.selectedIndex];
      var rate = rowField(rowOf(target), "tax_rate");
      if (option && rate && !rate.value && option.getAttribute("data-tax-rate")) {
        rate.value = option.getAttribute("data-tax-rate");
      }
    } else if (target.matches("input[data-gs1-scan]")) {
      scan(target);
    }
  });

  // Scanners end with Enter: parse the code instead of submitting the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("input[data-gs1-scan]")) {
      event.preventDefault();
      scan(event.target);
    }
  });
})();

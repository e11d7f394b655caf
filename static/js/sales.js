// Sales forms: add order lines (and let htmx price and check the new row), default a
// line's VAT rate from its product, and keep a scanner's final Enter from submitting the
// double-check form before every line is confirmed.
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
    var row = body.lastElementChild;
    if (row && window.htmx) {
      window.htmx.process(row);
    }
  }

  function rowField(row, name) {
    return row ? row.querySelector('[name$="-' + name + '"]') : null;
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
      var rate = rowField(target.closest("[data-formset-row]"), "tax_rate");
      if (option && rate && !rate.value && option.getAttribute("data-tax-rate")) {
        rate.value = option.getAttribute("data-tax-rate");
      }
    }
  });

  // Scanners end with Enter: go to the next field instead of submitting the form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches("input[data-gs1-scan]")) {
      return;
    }
    event.preventDefault();
    var form = event.target.form;
    if (!form) {
      return;
    }
    var fields = Array.prototype.filter.call(form.elements, function (el) {
      return el.tagName === "INPUT" && el.type !== "hidden" && !el.disabled;
    });
    var next = fields[fields.indexOf(event.target) + 1];
    if (next) {
      next.focus();
    }
  });
})();

// Printable pages: a button instead of an inline onclick.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

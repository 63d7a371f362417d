// introledger dashboard: small enhancements only; every page works without this file.
// Served from /static (the CSP allows no inline script).
(function () {
  "use strict";
  // Ask before a change that mails someone or cannot be undone: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    // A question of its own for a choice that mails the introducer (data-confirm-won, -qualified).
    var status = form.querySelector("select[name=status]");
    if (question && status && status.value) question = form.getAttribute("data-confirm-" + status.value.toLowerCase()) || question;
    if (question && !window.confirm(question)) event.preventDefault();
  });
  // "Select all" boxes: <input type=checkbox data-select-all="name">.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-select-all");
    if (name) {
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (other) {
        other.checked = box.checked;
      });
    }
    // Filters apply as soon as a select changes: <form data-autosubmit>.
    if (box.form && box.form.hasAttribute("data-autosubmit") && box.tagName === "SELECT") box.form.submit();
  });
  // "Go back" links go back when there is somewhere to go.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-back]");
    if (link && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });
  // The amount field matters only for WON.
  document.querySelectorAll("select[data-status]").forEach(function (select) {
    var amount = document.getElementById(select.getAttribute("data-status"));
    function sync() { if (amount) amount.closest(".field").hidden = select.value !== "WON"; }
    select.addEventListener("change", sync);
    sync();
  });
})();

// Move keyboard and screen-reader focus to a form's error summary when a page shows one.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});

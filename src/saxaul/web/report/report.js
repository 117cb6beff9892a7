// A share link is /report/#<token>. Browsers never send a URL's fragment, so the token reaches
// no access log or proxy on the way here; this page posts it in a form body (which nothing logs)
// and the report arrives as a page of its own, under its own headers. The fragment is cleared
// first, so the token stays out of the address bar and of a screenshot of it.
const token = decodeURIComponent(window.location.hash.slice(1));
window.history.replaceState(null, "", window.location.pathname);
const form = document.getElementById("open");
if (token) {
  form.elements.token.value = token;
  form.submit();
} else {
  form.hidden = true;
  document.getElementById("missing").hidden = false;
}

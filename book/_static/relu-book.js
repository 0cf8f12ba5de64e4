// relu-book: Live Code (Thebe) is fetched from the network when a reader asks for it. Without a
// network, say so on Thebe's button instead of showing "Loading thebe from CDN..." for ever.
document.addEventListener("error", (event) => {
  const el = event.target;
  if (!el || el.tagName !== "SCRIPT" || typeof THEBE_JS_URL === "undefined" || el.src !== THEBE_JS_URL) {
    return;
  }
  const button = document.querySelector(".thebe-launch-button");
  if (button) {
    button.innerText = "Live code needs the network (it runs on mybinder.org). The page is unchanged.";
  }
}, true);

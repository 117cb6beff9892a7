// The participant app's shell: sign-in, the language switch, and the screens by hash route.
//
// Why hash routes: the app is one static page (ADR 0010); `#/friend/<id>` keeps the address
// meaningful (back button, reload) without the server knowing any route but `/app/`.

import { call, credential, signIn, signOut, takeFromFragment } from "/common/api.js";
import { current, label, load, use } from "/common/i18n.js";
import { showForest } from "./forest.js";
import { showFriend, showFriends } from "./friends.js";
import { showMe } from "./me.js";
import { showPlant } from "./plant.js";
import { showTrees } from "./trees.js";
import { attempt, clearNotice, setRedraw } from "./ui.js";

const KIND = "participant";
const WORDS = "./i18n";
const SCREENS = {
  forest: showForest,
  friends: showFriends,
  friend: showFriend,
  plant: showPlant,
  trees: showTrees,
  me: showMe,
};

const view = () => document.getElementById("view");

/** The screen the address names (`#/friend/u2` → friend, "u2"); my forest by default. */
function route() {
  const [name, ...rest] = window.location.hash.replace(/^#\/?/, "").split("/");
  return SCREENS[name] ? { name, arg: rest.map(decodeURIComponent).join("/") } : { name: "forest" };
}

/** Draw the screen of the address, or the sign-in form without a credential. */
async function show() {
  const signedIn = Boolean(credential(KIND));
  document.getElementById("tabs").hidden = !signedIn;
  document.getElementById("sign-out").hidden = !signedIn;
  if (!signedIn) {
    showSignIn();
    return;
  }
  const { name, arg } = route();
  const tabName = name === "friend" ? "friends" : name;
  for (const tab of document.querySelectorAll("#tabs a")) {
    if (tab.dataset.route === tabName) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  const screen = document.createElement("div");
  screen.className = "screen";
  screen.dataset.screen = name;
  try {
    await SCREENS[name](screen, arg);
  } catch (error) {
    if (error.status === 401) {
      signOut(KIND); // an expired or ended token: sign in again
      await show();
      return;
    }
    throw error;
  }
  view().replaceChildren(screen);
}

function showSignIn() {
  const form = document.getElementById("sign-in").content.cloneNode(true);
  view().replaceChildren(form);
  label(view());
  document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const answer = await attempt(() =>
      call(KIND, "POST", "/v1/auth/login", {
        user_id: data.get("user_id"),
        password: data.get("password"),
      }),
    );
    if (!answer) return;
    signIn(KIND, answer.token);
    clearNotice();
    window.location.hash = "#/forest";
    await show();
  });
}

async function signOutNow() {
  await attempt(() => call(KIND, "POST", "/v1/auth/logout"));
  signOut(KIND);
  clearNotice();
  window.location.hash = "";
  await show();
}

async function start() {
  takeFromFragment(KIND, "token");
  await load(WORDS);
  document.getElementById("lang").addEventListener("click", async () => {
    await use(WORDS, current() === "zh" ? "en" : "zh");
    clearNotice();
    await show(); // built texts (amounts, times, names) are redrawn in the new language
  });
  document.getElementById("sign-out").addEventListener("click", signOutNow);
  window.addEventListener("hashchange", () => {
    takeFromFragment(KIND, "token"); // a sign-in link opened while the app is already open
    clearNotice();
    show();
  });
  setRedraw(show);
  await show();
}

start();

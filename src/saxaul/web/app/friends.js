// My friends ranked by this week's energy, with an icon where something is stealable now; a
// friend's forest to steal from and water.

import { call, tapKey } from "/common/api.js";
import { grams, t, when } from "/common/i18n.js";
import { ballButton, ballField, behaviourNames, takeAway } from "./balls.js";
import { attempt, clockTime, el, notify, serverTime } from "./ui.js";

const KIND = "participant";

export async function showFriends(screen) {
  const { friends } = await call(KIND, "GET", "/v1/me/friends/forests");
  screen.append(el("h2", { i18n: "friends.title" }));
  if (friends.length === 0) {
    screen.append(el("p", { class: "muted", i18n: "friends.none" }));
    return;
  }
  const rows = friends.map((friend, index) =>
    el(
      "li",
      { class: "friend-row" },
      el("span", { class: "rank", text: String(index + 1) }),
      el(
        "a",
        { href: `#/friend/${encodeURIComponent(friend.user_id)}`, class: "friend-link" },
        el("span", { class: "friend-id", text: friend.user_id }),
        el("span", {
          class: "muted",
          text: t("friends.week", { grams: grams(friend.energy_this_week_g), trees: friend.trees }),
        }),
      ),
      stealable(friend),
    ),
  );
  screen.append(el("ol", { class: "friends" }, ...rows));
}

/** An icon and its words when something is stealable now; else when the next ball ripens. */
function stealable(friend) {
  if (friend.stealable_now > 0) {
    return el(
      "span",
      { class: "stealable", "data-stealable": friend.stealable_now },
      el("img", { class: "hand", src: "steal.svg", alt: "", width: "20", height: "20" }),
      el("span", { text: t("friends.stealable", { grams: grams(friend.stealable_g) }) }),
    );
  }
  if (friend.next_ripens_at) {
    return el("span", { class: "muted", text: t("friends.next", { time: when(friend.next_ripens_at) }) });
  }
  return null;
}

export async function showFriend(screen, friendId) {
  const path = `/v1/friends/${encodeURIComponent(friendId)}`;
  const [forest, mine] = await Promise.all([
    call(KIND, "GET", `${path}/forest`),
    call(KIND, "GET", "/v1/me/forest"),
  ]);
  serverTime(forest.as_of);
  const names = behaviourNames(forest);
  const steal = async (ball, button) => {
    const answer = await attempt(() =>
      call(KIND, "POST", `${path}/balls/${encodeURIComponent(ball.id)}/steal`, undefined, tapKey()),
    );
    if (!answer) return;
    takeAway(button);
    notify("ok", t("friend.stolen", { grams: grams(answer.transfers[0].amount_g), friend: friendId }));
  };
  const buttons = forest.balls.map((ball) => {
    const button = ballButton(ball, names, ball.stealable_g || ball.remaining_g, steal);
    if (ball.state === "ripe" && ball.stealable_g === 0) button.classList.add("spent");
    return button;
  });
  const parts = [
    el("p", {}, el("a", { href: "#/friends", i18n: "friend.back" })),
    el("h2", { text: t("friend.title", { friend: friendId }) }),
    forest.covered_until
      ? el("p", { class: "muted", text: t("friend.covered", { time: clockTime(forest.covered_until) }) })
      : null,
    ballField(buttons),
    water(path, friendId, mine.watering_steps_g),
  ];
  screen.append(...parts.filter(Boolean));
}

/** A button per watering step the rules offer; the API says whether it is allowed. */
function water(path, friendId, steps) {
  const buttons = steps.map((amount) => {
    const button = el("button", {
      type: "button",
      class: "quiet",
      "data-water": amount,
      text: t("friend.water", { grams: grams(amount) }),
    });
    button.addEventListener("click", async () => {
      const answer = await attempt(() =>
        call(KIND, "POST", `${path}/water`, { amount_g: amount }, tapKey()),
      );
      if (answer) notify("ok", t("friend.watered", { grams: grams(amount), friend: friendId }));
    });
    return button;
  });
  return el(
    "section",
    { class: "card" },
    el("h3", { i18n: "friend.water_title" }),
    el("div", { class: "actions" }, ...buttons),
  );
}

/**
 * The chat page's HTML (served at `/`). No inline script or style: the Content-Security-Policy
 * (responder.ts) allows only this origin's `/chat.js` and `/chat.css`. Kept as a string in a
 * module so that the esbuild bundle of `pnpm chat` carries it (no files to find at run time).
 * The ids are the page's interface: the tests and the script use them.
 */
export const pageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wspipe chat</title>
<link rel="stylesheet" href="/chat.css">
<script src="/chat.js" defer></script>
</head>
<body>
<header>
  <h1>wspipe chat</h1>
  <span id="status" data-state="connecting">connecting…</span>
  <span class="online"><span id="online">–</span> online</span>
</header>
<main>
  <aside>
    <h2>Topics</h2>
    <form id="join-form" autocomplete="off">
      <input id="topic" placeholder="topic" aria-label="topic to join" pattern="\\S+" required>
      <button id="join" type="submit">Join</button>
    </form>
    <ul id="topics"></ul>
    <h2>You</h2>
    <input id="name" aria-label="your name" maxlength="32">
  </aside>
  <section>
    <ul id="messages" aria-live="polite"></ul>
    <div class="compose">
      <select id="to" aria-label="send to"><option value="">everyone</option></select>
      <input id="message" placeholder="type a message, Enter sends" aria-label="message" autocomplete="off">
    </div>
  </section>
</main>
</body>
</html>
`

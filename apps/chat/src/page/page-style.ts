/** The chat page's stylesheet (served at `/chat.css`; a string so the bundle carries it). */
export const pageStyle = `* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, sans-serif; color: #1d2330; background: #f3f5f8; height: 100vh; display: flex; flex-direction: column; }
header { display: flex; align-items: center; gap: 16px; padding: 10px 16px; background: #23304a; color: #fff; }
header h1 { font-size: 18px; margin: 0; flex: 1; }
#status { font-size: 13px; padding: 2px 8px; border-radius: 10px; background: #8a6d1f; }
#status[data-state="connected"] { background: #2d7a46; }
.online { font-size: 13px; }
#online { font-weight: 600; }
main { flex: 1; display: flex; min-height: 0; }
aside { width: 200px; padding: 12px; border-right: 1px solid #d5dae3; background: #fff; }
aside h2 { font-size: 13px; text-transform: uppercase; color: #5b6578; margin: 8px 0; }
#join-form { display: flex; gap: 4px; }
#join-form input, #name { width: 100%; min-width: 0; }
#topics { list-style: none; padding: 0; margin: 8px 0 16px; }
#topics li { display: flex; align-items: center; justify-content: space-between; padding: 3px 0; }
#topics li[data-state="joining"] .topic-name { color: #8a93a5; font-style: italic; }
section { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#messages { flex: 1; list-style: none; margin: 0; padding: 12px 16px; overflow-y: auto; }
#messages li { margin: 4px 0; padding: 6px 10px; border-radius: 8px; background: #fff; max-width: 80%; overflow-wrap: anywhere; white-space: pre-wrap; }
#messages li.mine { margin-left: auto; background: #dbe8ff; }
#messages li.system { background: none; color: #6b7487; font-size: 13px; font-style: italic; padding: 2px 10px; }
#messages .tag { font-weight: 600; color: #7a3fb0; margin-right: 6px; }
.compose { display: flex; gap: 8px; padding: 10px 16px; border-top: 1px solid #d5dae3; background: #fff; }
#message { flex: 1; }
input, select, button { font: inherit; padding: 5px 8px; border: 1px solid #c3cad6; border-radius: 6px; background: #fff; }
button { cursor: pointer; background: #eef1f6; }
`

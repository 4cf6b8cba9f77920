// rasa-webchat 1.0.1 set-up for /rasa-demo.html, in a file of its own because the page's CSP allows no inline script.
// Options per the rasa-webchat README; null → it creates its own container and mounts on window load.
// Nothing here handles credentials: the server's session_confirm carries the conversation's reference
// (`<id>.<secret>`, docs/security.md), which rasa-webchat stores in localStorage (`chat_session`) and sends back on
// every reconnect and message — so reload-and-resume works unchanged, and only this browser can resume the chat.
window.WebChat.default(
  {
    socketUrl: location.origin,
    socketPath: '/socket.io/',
    customData: { language: 'en' },
    title: 'Moneta Assistant',
    subtitle: 'via rasa-webchat 1.0.1',
    inputTextFieldHint: 'Type a message…',
  },
  null,
);

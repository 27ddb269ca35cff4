/** Stands in for the `ws` package in the browser build (browsers have a global WebSocket). */
export const WebSocket = globalThis.WebSocket
export default WebSocket

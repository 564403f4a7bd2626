// The stock y-websocket provider under Node: joins a room, writes `count` objects named
// `<prefix>-<n>` into Y.Map("objects"), waits until the map holds `expect` keys, then
// prints the map as JSON and exits (1 on timeout).
// usage: node edit.js <serverUrl> <room> <token> <prefix> <count> <expect> [timeoutMs]
const Y = require('yjs')
const { WebsocketProvider } = require('y-websocket')
const WebSocket = require('ws')

const [serverUrl, room, token, prefix, count, expect, timeoutMs = '20000'] = process.argv.slice(2)
const doc = new Y.Doc()
const objects = doc.getMap('objects')
const provider = new WebsocketProvider(serverUrl, room, doc, {
  WebSocketPolyfill: WebSocket,
  params: token ? { token } : {},
  disableBc: true
})
provider.awareness.setLocalStateField('user', { name: `node-${prefix}` })

const finish = (code) => {
  process.stdout.write(JSON.stringify(objects.toJSON()) + '\n')
  provider.destroy()
  process.exit(code)
}
const timer = setTimeout(() => finish(1), Number(timeoutMs))

provider.on('sync', (synced) => {
  if (!synced || objects.has(`${prefix}-0`)) return
  doc.transact(() => {
    for (let n = 0; n < Number(count); n++) {
      objects.set(`${prefix}-${n}`, {
        id: `${prefix}-${n}`, kind: 'rect', x: 10 + n, y: 10, width: 20, height: 20, metadata: { source: 'user' }
      })
    }
  })
})
const check = () => {
  if (objects.size >= Number(expect)) {
    clearTimeout(timer)
    // Give the socket time to flush this client's own edits before exiting.
    setTimeout(() => finish(0), 500)
  }
}
objects.observe(check)

// An independent MEGA client for the interoperability tests: megajs (npm) pointed at a test server.
//   node megajs-client.js upload   GATEWAY EMAIL PASSWORD LOCAL_FILE NAME   -> prints {"handle":...}
//   node megajs-client.js download GATEWAY EMAIL PASSWORD HANDLE OUT_FILE   -> writes the file, MAC checked
// megajs checks the file MAC itself when it downloads a whole file; a mismatch makes it fail with
// "MAC verification failed" and exit code 3. NODE_PATH must hold megajs.
'use strict'
const fs = require('fs')
const { Storage } = require('megajs')

async function main () {
  const [command, gateway, email, password, a, b] = process.argv.slice(2)
  const storage = await new Storage({ email, password, gateway, keepalive: false }).ready
  try {
    if (command === 'upload') {
      const data = fs.readFileSync(a)
      const file = await storage.upload({ name: b, size: data.length }, data).complete
      console.log(JSON.stringify({ handle: file.nodeId, size: file.size }))
    } else if (command === 'download') {
      const file = storage.files[a]
      if (!file) throw Error('no node ' + a + ' in the tree megajs loaded')
      const data = await file.downloadBuffer({ maxConnections: 1 })
      fs.writeFileSync(b, data)
      console.log(JSON.stringify({ handle: a, size: data.length, name: file.name }))
    } else {
      throw Error('unknown command ' + command)
    }
  } finally {
    await storage.close()
  }
}

main().catch(error => {
  console.error(String(error && error.message ? error.message : error))
  process.exit(/MAC verification failed/.test(String(error)) ? 3 : 1)
})

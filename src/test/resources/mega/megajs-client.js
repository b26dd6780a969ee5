// An independent MEGA client for the interoperability tests: megajs (npm) pointed at a test server.
//   node megajs-client.js upload   GATEWAY EMAIL PASSWORD LOCAL_FILE NAME   -> prints {"handle":...}
//   node megajs-client.js download GATEWAY EMAIL PASSWORD HANDLE OUT_FILE   -> writes the file, MAC checked
//   node megajs-client.js link     GATEWAY FOLDER_LINK OUT_DIR              -> writes every file of a public
//        folder link below OUT_DIR (no account), MAC checked; prints {"files":[relative paths]}
// megajs checks the file MAC itself when it downloads a whole file; a mismatch makes it fail with
// "MAC verification failed" and exit code 3. NODE_PATH must hold megajs.
'use strict'
const fs = require('fs')
const path = require('path')
const { Storage, File, API } = require('megajs')

// A folder link, as megajs browses it: f with n=<handle> (no session), then g with n= per file.
async function readFolderLink (gateway, link, outDir) {
  // The files of a link are made with megajs's global API object: point that one at the test server.
  const api = API.getGlobalApi()
  api.gateway = gateway
  const root = await File.fromURL(link, { api }).loadAttributes()
  const files = []
  async function walk (folder, prefix) {
    for (const child of folder.children || []) {
      const relative = path.join(prefix, child.name)
      if (child.directory) {
        await walk(child, relative)
      } else {
        const data = await child.downloadBuffer({ maxConnections: 1 })
        fs.mkdirSync(path.join(outDir, prefix), { recursive: true })
        fs.writeFileSync(path.join(outDir, relative), data)
        files.push(relative)
      }
    }
  }
  await walk(root, '')
  api.close()
  console.log(JSON.stringify({ name: root.name, files: files.sort() }))
}

async function main () {
  const [command, gateway, email, password, a, b] = process.argv.slice(2)
  if (command === 'link') {
    return readFolderLink(gateway, email, password)
  }
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
  console.error(String(error && error.message ? error.message : error) +
    (error && error.cause ? ' (' + String(error.cause.message || error.cause) + ')' : ''))
  process.exit(/MAC verification failed/.test(String(error)) ? 3 : 1)
})

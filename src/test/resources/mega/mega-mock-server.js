// Starts mega-mock (npm, a MEGA API server written by others) through its module API on 127.0.0.1 at a
// free port, with its CLI's preloaded account (mock@test / mock), and prints "LISTENING <port>".
// Usage: node mega-mock-server.js DATA_DIR   (NODE_PATH must hold mega-mock)
// It exits when its standard input closes, so it never outlives the Java test that started it.
'use strict'
const fs = require('fs')
const { Writable } = require('stream')
const megamock = require('mega-mock')
const preloadedUsers = require('mega-mock/cli/preloaded-users.json')

const dataFolder = process.argv[2]
if (!dataFolder) {
  console.error('usage: mega-mock-server.js DATA_DIR')
  process.exit(2)
}
fs.mkdirSync(dataFolder, { recursive: true })

// mega-mock 0.4.2 answers the last piece of an upload once it has read the request body, before its
// write of that body has reached the file; a `p` sent right after then stats a short file and records a
// wrong size. Writing upload pieces synchronously closes that race without changing anything else the
// mock does (only its temp_* upload files are affected).
const createWriteStream = fs.createWriteStream
fs.createWriteStream = function (file, options) {
  if (!String(file).includes('temp_') || !options || options.start === undefined) {
    return createWriteStream.apply(this, arguments)
  }
  const fd = fs.openSync(file, 'r+')
  let position = options.start
  return new Writable({
    write (chunk, encoding, callback) {
      fs.writeSync(fd, chunk, 0, chunk.length, position)
      position += chunk.length
      callback()
    },
    final (callback) {
      fs.closeSync(fd)
      callback()
    }
  })
}

const server = megamock({ dataFolder })
for (const [uh, loginData] of Object.entries(preloadedUsers)) {
  server.state.loginData.set(uh, loginData)
}
server.listen(0, '127.0.0.1', () => {
  console.log('LISTENING ' + server.address().port)
})

process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()

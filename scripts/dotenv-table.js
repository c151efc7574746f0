#!/usr/bin/env node
// Regenerates kubricate/src/connector/dotenv_table.json: runs Node's dotenv 16 (the reader of the
// reference framework) on every input of dotenv_cases.json and records what it returns, so that the
// Rust tests compare with the reference's own behaviour without needing Node at test time.
//
//   npm pack dotenv@16.6.1 && tar xzf dotenv-16.6.1.tgz
//   node scripts/dotenv-table.js package/lib/main.js
const fs = require('fs')
const path = require('path')
const dotenv = require(path.resolve(process.argv[2] || 'package/lib/main.js'))
const dir = path.join(__dirname, '..', 'kubricate', 'src', 'connector')
const cases = JSON.parse(fs.readFileSync(path.join(dir, 'dotenv_cases.json'), 'utf8'))
const table = cases.map(c => {
  const out = { name: c.name, input: c.input, node: dotenv.parse(Buffer.from(c.input, 'utf8')) }
  if (c.refuse_line !== undefined) out.refuse_line = c.refuse_line
  if (c.why !== undefined) out.why = c.why
  return out
})
fs.writeFileSync(path.join(dir, 'dotenv_table.json'), JSON.stringify(table, null, 1) + '\n')
console.log(`${table.length} cases written`)

// Random inputs built from the pieces .env files are made of (seeded, so the file is reproducible),
// with dotenv 16's result for each: kubricate's reader must return the same whenever it accepts one.
let seed = 0x5eed
const rand = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
const pick = xs => xs[rand(xs.length)]
const pieces = ['a', 'Z', '0', '_', '.', '-', ' ', '  ', '\t', '=', ':', '#', ' #', '$', '${X}', "'", '"', '`',
  '\\', '\\n', '\\r', '\\\'', '\\"', '\n', '\r\n', '\r', 'é', '🔑', '{', '}', ',', 'export ', '//']
const keys = ['A', 'KEY', 'K_1', 'a.b', 'x-y', 'export', 'KUBRICATE_SECRET_API_KEY']
const fuzz = []
for (let i = 0; i < 600; i++) {
  let input = ''
  const lines = 1 + rand(4)
  for (let l = 0; l < lines; l++) {
    const kind = rand(10)
    if (kind === 0) input += pick(['', '# c', '  ', 'junk'])
    else {
      input += pick(['', '', ' ', 'export ']) + pick(keys) + pick(['=', '=', ' = ', ': ', '= '])
      const q = pick(['', '', "'", '"', '`'])
      let v = ''
      const len = rand(8)
      for (let p = 0; p < len; p++) v += pick(pieces)
      input += q + v + (rand(4) === 0 ? '' : q) + pick(['', '', ' # c', '  '])
    }
    input += pick(['\n', '\n', '\r\n', ''])
  }
  fuzz.push({ input, node: dotenv.parse(Buffer.from(input, 'utf8')) })
}
fs.writeFileSync(path.join(dir, 'dotenv_fuzz.json'), JSON.stringify(fuzz) + '\n')
console.log(`${fuzz.length} random cases written`)

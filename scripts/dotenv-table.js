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

// exports:all is switched off (`static disabled = true`) in the only published exports plugin
// (4.0.5), which says to use exports:create instead. Its code is still the CLI's way to export
// more records than one export holds (slices by id_gt / id_lteq), so the check turns it back on.
const path = require('path')
const command = require(path.join(__dirname, 'node_modules/@commercelayer/cli-plugin-exports/lib/commands/exports/all.js'))
command.default.disabled = false

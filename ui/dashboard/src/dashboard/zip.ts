// A minimal zip writer: files stored as they are (no compression: CSV
// exports are small, and a deflater would cost more bundle than it saves
// download), each with its CRC-32, as every unzip program expects.

let table: Uint32Array | null = null

// crc32 is the IEEE CRC-32 zip uses (reflected polynomial 0xEDB88320).
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

// zip packs files (name → content) into one archive. Names are UTF-8
// (general purpose flag bit 11); times are the moment of the call, in
// the local time zone as the format wants.
export function zip(files: [string, string][], now = new Date()): Blob {
  const enc = new TextEncoder()
  const time = (now.getHours() << 11) | (now.getMinutes() << 5) | (now.getSeconds() >> 1)
  const date = ((now.getFullYear() - 1980) << 9) | ((now.getMonth() + 1) << 5) | now.getDate()
  const parts: Uint8Array[] = []
  const central: Uint8Array[] = []
  let offset = 0
  for (const [name, text] of files) {
    const nameBytes = enc.encode(name), data = enc.encode(text)
    const crc = crc32(data)
    // Fields shared by the local header (from offset 4) and the central
    // directory entry (from offset 6).
    const common = (v: DataView, at: number) => {
      v.setUint16(at, 20, true) // version needed: 2.0
      v.setUint16(at + 2, 0x0800, true) // UTF-8 names
      v.setUint16(at + 4, 0, true) // stored
      v.setUint16(at + 6, time, true)
      v.setUint16(at + 8, date, true)
      v.setUint32(at + 10, crc, true)
      v.setUint32(at + 14, data.length, true)
      v.setUint32(at + 18, data.length, true)
      v.setUint16(at + 22, nameBytes.length, true)
    }
    const local = new Uint8Array(30 + nameBytes.length)
    const lv = new DataView(local.buffer)
    lv.setUint32(0, 0x04034b50, true)
    common(lv, 4)
    local.set(nameBytes, 30)
    const entry = new Uint8Array(46 + nameBytes.length)
    const cv = new DataView(entry.buffer)
    cv.setUint32(0, 0x02014b50, true)
    cv.setUint16(4, 20, true) // made by: 2.0
    common(cv, 6)
    cv.setUint32(42, offset, true)
    entry.set(nameBytes, 46)
    parts.push(local, data)
    central.push(entry)
    offset += local.length + data.length
  }
  const size = central.reduce((n, c) => n + c.length, 0)
  const end = new Uint8Array(22)
  const ev = new DataView(end.buffer)
  ev.setUint32(0, 0x06054b50, true)
  ev.setUint16(8, files.length, true)
  ev.setUint16(10, files.length, true)
  ev.setUint32(12, size, true)
  ev.setUint32(16, offset, true)
  return new Blob([...parts, ...central, end] as BlobPart[], { type: 'application/zip' })
}

// csv turns rows into RFC 4180 text: a field with a comma, quote or line
// break is quoted.
export function csv(rows: (string | number)[][]): string {
  const quote = (v: string | number) => {
    const s = String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return rows.map((r) => r.map(quote).join(',')).join('\n') + '\n'
}

// save offers blob to the browser as a download named name.
export function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

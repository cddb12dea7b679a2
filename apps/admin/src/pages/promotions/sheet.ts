/**
 * Spreadsheets in the browser for 定向发券: read the first column of an .xlsx or .csv file, and write a
 * one-sheet .xlsx (the failures of an issue batch). The console has no spreadsheet dependency (the server
 * owns Excel for imports and exports); an .xlsx is a zip of XML, which the browser can open with
 * DecompressionStream and DOMParser, so a phone list needs no extra library in the bundle.
 */

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------------
// Zip

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The named entries of a zip archive (only those `want` accepts are inflated). */
async function unzip(buf: ArrayBuffer, want: (name: string) => boolean): Promise<Map<string, Uint8Array>> {
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  // End of central directory: the last 0x06054b50 signature (a trailing comment may follow it).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let n = 0; n < count; n++) {
    if (view.getUint32(p, true) !== 0x02014b50) throw new Error('broken zip directory');
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const name = textDecoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (!want(name)) continue;
    // Sizes come from the central directory: local headers may defer them to a data descriptor.
    const start = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    const raw = bytes.subarray(start, start + compressedSize);
    if (method === 0) out.set(name, raw);
    else if (method === 8) out.set(name, await inflateRaw(raw));
    else throw new Error(`unsupported zip compression ${method}`);
  }
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip with stored (uncompressed) entries: failure lists are small, and every reader accepts it. */
function zip(files: { name: string; data: Uint8Array }[]): Blob {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = textEncoder.encode(f.name);
    const crc = crc32(f.data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(6, 0x0800, true); // UTF-8 names
    local.setUint32(14, crc, true);
    local.setUint32(18, f.data.length, true);
    local.setUint32(22, f.data.length, true);
    local.setUint16(26, name.length, true);
    parts.push(new Uint8Array(local.buffer), name, f.data);
    const dir = new DataView(new ArrayBuffer(46));
    dir.setUint32(0, 0x02014b50, true);
    dir.setUint16(4, 20, true);
    dir.setUint16(6, 20, true);
    dir.setUint16(8, 0x0800, true);
    dir.setUint32(16, crc, true);
    dir.setUint32(20, f.data.length, true);
    dir.setUint32(24, f.data.length, true);
    dir.setUint16(28, name.length, true);
    dir.setUint32(42, offset, true);
    central.push(new Uint8Array(dir.buffer), name);
    offset += 30 + name.length + f.data.length;
  }
  const dirSize = central.reduce((n, c) => n + c.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, files.length, true);
  end.setUint16(10, files.length, true);
  end.setUint32(12, dirSize, true);
  end.setUint32(16, offset, true);
  return new Blob([...parts, ...central, new Uint8Array(end.buffer)] as BlobPart[], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
}

// ---------------------------------------------------------------------------------------------------
// .xlsx

const xml = (data: Uint8Array | undefined) => (data ? new DOMParser().parseFromString(textDecoder.decode(data), 'application/xml') : null);
const byTag = (node: Document | Element, tag: string) => Array.from(node.getElementsByTagNameNS('*', tag));
const cellText = (el: Element) => byTag(el, 't').map((t) => t.textContent ?? '').join('');

/** "A1" → 0, "AB12" → 27. */
function columnIndex(ref: string | null): number {
  const letters = /^[A-Z]+/.exec(ref ?? '')?.[0] ?? 'A';
  return [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
}

/** Resolves the workbook's first sheet (its order in workbook.xml, not the part's file name). */
function firstSheetPath(files: Map<string, Uint8Array>): string {
  const workbook = xml(files.get('xl/workbook.xml'));
  const rels = xml(files.get('xl/_rels/workbook.xml.rels'));
  const sheet = workbook ? byTag(workbook, 'sheet')[0] : undefined;
  const rid = sheet?.getAttributeNS('http://schemas.openxmlformats.org/officeDocument/2006/relationships', 'id') ?? sheet?.getAttribute('r:id');
  const target = rels && rid ? byTag(rels, 'Relationship').find((r) => r.getAttribute('Id') === rid)?.getAttribute('Target') : null;
  if (!target) return 'xl/worksheets/sheet1.xml';
  return target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
}

async function xlsxFirstColumn(buf: ArrayBuffer): Promise<string[]> {
  const meta = await unzip(buf, (n) => n === 'xl/workbook.xml' || n === 'xl/_rels/workbook.xml.rels' || n === 'xl/sharedStrings.xml');
  const sheetPath = firstSheetPath(meta);
  const sheetFiles = await unzip(buf, (n) => n === sheetPath);
  const sheet = xml(sheetFiles.get(sheetPath));
  if (!sheet) throw new Error('no worksheet');
  const shared = xml(meta.get('xl/sharedStrings.xml'));
  const strings = shared ? byTag(shared, 'si').map(cellText) : [];
  const out: string[] = [];
  for (const row of byTag(sheet, 'row')) {
    const cells = byTag(row, 'c');
    // Cells without a reference follow one another from column A.
    const first = cells.find((c, i) => (c.getAttribute('r') ? columnIndex(c.getAttribute('r')) === 0 : i === 0));
    if (!first) continue;
    const type = first.getAttribute('t');
    const v = byTag(first, 'v')[0]?.textContent ?? '';
    let text: string;
    if (type === 's') text = strings[Number(v)] ?? '';
    else if (type === 'inlineStr') text = cellText(first);
    else if (type === 'str' || type === 'b' || type === 'e') text = v;
    else {
      // A phone typed into Excel is a number: 13800138000, sometimes written as 1.3800138E10.
      const n = Number(v);
      text = v !== '' && Number.isFinite(n) && Number.isInteger(n) ? n.toFixed(0) : v;
    }
    out.push(text.trim());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// .csv

/** Excel on Chinese Windows saves CSV as GBK; UTF-8 (with or without BOM) is tried first. */
function decodeCsv(buf: ArrayBuffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gbk').decode(buf);
  }
}

function csvFirstColumn(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let cell: string;
    if (line.startsWith('"')) {
      let i = 1;
      cell = '';
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (line[i] === '"') break;
        else cell += line[i++];
      }
    } else cell = line.split(/[,;\t]/)[0];
    out.push(cell.trim());
  }
  return out;
}

/** The first column of the first sheet, one string per non-empty row (header rows included). */
export async function readFirstColumn(file: File): Promise<string[]> {
  const buf = await file.arrayBuffer();
  const head = new Uint8Array(buf.slice(0, 4));
  const isZip = head[0] === 0x50 && head[1] === 0x4b;
  if (isZip) return xlsxFirstColumn(buf);
  if (/\.xlsx$/i.test(file.name)) throw new Error('not a zip file');
  return csvFirstColumn(decodeCsv(buf));
}

// ---------------------------------------------------------------------------------------------------
// Writing

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

function colName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** One sheet of text cells (inline strings, so phones keep their digits), first row bold as a header. */
export function writeXlsx(sheetName: string, rows: string[][]): Blob {
  const sheetRows = rows
    .map((r, ri) => `<row r="${ri + 1}">${r.map((v, ci) => `<c r="${colName(ci)}${ri + 1}" t="inlineStr"${ri === 0 ? ' s="1"' : ''}><is><t xml:space="preserve">${escapeXml(v)}</t></is></c>`).join('')}</row>`)
    .join('');
  const widths = (rows[0] ?? []).map((_, ci) => `<col min="${ci + 1}" max="${ci + 1}" width="${Math.min(60, Math.max(12, ...rows.map((r) => (r[ci] ?? '').length * 2 + 2)))}" customWidth="1"/>`).join('');
  const enc = (s: string) => textEncoder.encode(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`);
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  return zip([
    {
      name: '[Content_Types].xml',
      data: enc(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: enc('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    },
    {
      name: 'xl/workbook.xml',
      data: enc(`<workbook ${ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="${escapeXml(sheetName.slice(0, 31))}" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: enc(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
      ),
    },
    {
      name: 'xl/styles.xml',
      data: enc(
        `<styleSheet ${ns}><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>`,
      ),
    },
    { name: 'xl/worksheets/sheet1.xml', data: enc(`<worksheet ${ns}>${widths ? `<cols>${widths}</cols>` : ''}<sheetData>${sheetRows}</sheetData></worksheet>`) },
  ]);
}

/** Saves a Blob under a file name (an <a download> click). */
export function saveBlob(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Mainland mobile numbers from free text or spreadsheet cells: "+86 138-0013-8000" → "13800138000". */
export function normalizePhone(raw: string): string | null {
  const digits = raw.replace(/[\s\-()()]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
}

/** Distinct valid phones and the entries that are not phones (a header row such as 手机号 included). */
export function collectPhones(entries: string[]): { phones: string[]; invalid: string[] } {
  const phones = new Set<string>();
  const invalid: string[] = [];
  for (const e of entries) {
    const s = e.trim();
    if (!s) continue;
    const p = normalizePhone(s);
    if (p) phones.add(p);
    else invalid.push(s);
  }
  return { phones: [...phones], invalid };
}

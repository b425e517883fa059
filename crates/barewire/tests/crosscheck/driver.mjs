// Cross-check driver: compiles a BARE schema with @bare-ts/tools, then
//   - decodes the hex messages it is given with @bare-ts/lib, re-encodes
//     them, and renders the decoded values as JSON;
//   - generates random values of the schema's root type (from the schema's
//     AST, with a seeded generator), encodes them with @bare-ts/lib and
//     renders them as JSON.
// Run by crates/barewire/tests/crosscheck.rs; reads a JSON request on stdin
// and writes a JSON answer on stdout.
//
// Request: { "schema": "all_types.bare", "root": "AllTypes",
//            "decode": ["0a0b..."], "generate": { "count": 64, "seed": 7 },
//            "constants": { "version": 1 } }  (fields of generated root structs)
// Answer:  { "decoded": [{ "hex": "...", "json": "..." } | { "error": "..." }],
//            "generated": [{ "hex": "...", "json": "..." }] }
//
// JSON rendering follows what serde_json makes of the matching Rust types:
// structs are objects, enums are variant names, unions are
// `{ "Member": value }` (or `"Member"` for a void member), data is an array
// of bytes, maps are objects with string keys, floats are `"f32:<hex bits>"`
// or `"f64:<hex bits>"`.

import fs from "node:fs"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Config, parse, transform } from "@bare-ts/tools"

const here = path.dirname(fileURLToPath(import.meta.url))

async function main() {
    const request = JSON.parse(fs.readFileSync(0, "utf8"))
    const schemaPath = path.resolve(here, request.schema)
    const source = fs.readFileSync(schemaPath, "utf8")
    const config = Config({ schema: schemaPath, useGenericArray: true })
    const ast = parse(source, config)
    const defs = new Map(ast.defs.map((def) => [def.alias, def.type]))

    const outDir = path.join(here, "generated")
    fs.mkdirSync(outDir, { recursive: true })
    const modulePath = path.join(
        outDir,
        `${path.basename(schemaPath, ".bare")}-${process.pid}.mjs`,
    )
    fs.writeFileSync(
        modulePath,
        transform(source, Config({ ...config, generator: "js" })),
    )
    const codec = await import(pathToFileURL(modulePath).href)
    fs.rmSync(modulePath)

    const root = request.root
    const encode = codec[`encode${root}`]
    const decode = codec[`decode${root}`]
    const rootType = { tag: "alias", data: root, types: null }
    const render = (value) => renderValue(defs, rootType, value)

    const decoded = (request.decode ?? []).map((hex) => {
        try {
            const value = decode(fromHex(hex))
            return { hex: toHex(encode(value)), json: render(value) }
        } catch (error) {
            return { error: String(error?.message ?? error) }
        }
    })

    const generated = []
    const plan = request.generate ?? { count: 0, seed: 1 }
    const random = rng(plan.seed)
    for (let i = 0; i < plan.count; i++) {
        const value = Object.assign(generate(defs, rootType, random, 0), request.constants ?? {})
        generated.push({ hex: toHex(encode(value)), json: render(value) })
    }

    process.stdout.write(JSON.stringify({ decoded, generated }))
}

// ---- hex ----

function toHex(bytes) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")
}

function fromHex(hex) {
    return new Uint8Array(Buffer.from(hex, "hex"))
}

// ---- random values ----

function rng(seed) {
    let state = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 1n)
    const next64 = () => {
        // splitmix64
        state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n)
        let z = state
        z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n)
        z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn)
        return z ^ (z >> 31n)
    }
    return {
        u64: next64,
        below: (n) => Number(next64() % BigInt(n)),
        chance: (n) => Number(next64() % BigInt(n)) === 0,
    }
}

const EDGE_U64 = [0n, 1n, 127n, 128n, 16383n, 16384n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n]
const STR_PIECES = ["a", "Z", "0", " ", "é", "ß", "中", "😀", "\n", "\u007f", "\u0000", "ok"]

function unsigned(random, bits) {
    if (random.chance(4)) {
        const edges = EDGE_U64.filter((e) => e < 1n << BigInt(bits))
        return edges[random.below(edges.length)]
    }
    return BigInt.asUintN(bits, random.u64() >> BigInt(random.below(bits)))
}

function signed(random, bits) {
    return BigInt.asIntN(bits, unsigned(random, bits))
}

function float(random, bits) {
    const view = new DataView(new ArrayBuffer(8))
    for (;;) {
        if (bits === 32) {
            view.setUint32(0, Number(random.u64() & 0xffffffffn), true)
            const value = view.getFloat32(0, true)
            if (Number.isFinite(value)) return value
        } else {
            view.setBigUint64(0, random.u64(), true)
            const value = view.getFloat64(0, true)
            if (Number.isFinite(value)) return value
        }
    }
}

function randomString(random) {
    let text = ""
    const len = random.below(8)
    for (let i = 0; i < len; i++) text += STR_PIECES[random.below(STR_PIECES.length)]
    return text
}

function randomData(random, len) {
    const bytes = new Uint8Array(len)
    for (let i = 0; i < len; i++) bytes[i] = random.below(256)
    return bytes.buffer
}

function resolve(defs, type) {
    while (type.tag === "alias") type = defs.get(type.data)
    return type
}

function compareKeys(keyType, a, b) {
    if (keyType.tag === "str") return Buffer.compare(Buffer.from(a), Buffer.from(b))
    return a < b ? -1 : a > b ? 1 : 0
}

function generate(defs, type, random, depth) {
    const deeper = (t) => generate(defs, t, random, depth + 1)
    switch (type.tag) {
        case "alias":
            return generate(defs, defs.get(type.data), random, depth)
        case "uint":
            return unsigned(random, 64)
        case "int":
            return signed(random, 64)
        case "u8":
        case "u16":
        case "u32":
            return Number(unsigned(random, Number(type.tag.slice(1))))
        case "u64":
            return unsigned(random, 64)
        case "i8":
        case "i16":
        case "i32":
            return Number(signed(random, Number(type.tag.slice(1))))
        case "i64":
            return signed(random, 64)
        case "f32":
            return float(random, 32)
        case "f64":
            return float(random, 64)
        case "bool":
            return random.chance(2)
        case "str":
            return randomString(random)
        case "data":
            return randomData(random, type.data != null ? type.data.val : random.below(24))
        case "void":
            return null
        case "enum":
            return type.data[random.below(type.data.length)].name
        case "optional":
            return random.chance(3) ? null : deeper(type.types[0])
        case "list": {
            const len = type.data != null ? type.data.val : random.below(depth > 2 ? 2 : 5)
            return Array.from({ length: len }, () => deeper(type.types[0]))
        }
        case "map": {
            const [keyType, valueType] = type.types
            const keys = []
            const wanted = random.below(depth > 2 ? 2 : 5)
            for (let i = 0; i < wanted; i++) {
                const key = generate(defs, keyType, random, depth + 1)
                if (!keys.some((k) => compareKeys(resolve(defs, keyType), k, key) === 0)) {
                    keys.push(key)
                }
            }
            // Sorted as Rust's BTreeMap orders them, so its re-encoding matches.
            keys.sort((a, b) => compareKeys(resolve(defs, keyType), a, b))
            return new Map(keys.map((k) => [k, deeper(valueType)]))
        }
        case "union": {
            const index = random.below(type.types.length)
            const member = type.types[index]
            if (member.tag !== "alias") {
                throw new Error("cross-check schemas name every union member")
            }
            return { tag: member.data, val: deeper(member) }
        }
        case "struct": {
            const value = {}
            type.data.forEach((field, i) => {
                value[field.name] = deeper(type.types[i])
            })
            return value
        }
        default:
            throw new Error(`no generator for ${type.tag}`)
    }
}

// ---- JSON rendering ----

/// Floats as their exact bits: decimal text would round-trip through
/// serde_json's parser only approximately.
function renderFloat(value, bits) {
    const view = new DataView(new ArrayBuffer(8))
    if (bits === 32) {
        view.setFloat32(0, value)
        return JSON.stringify(`f32:${view.getUint32(0).toString(16).padStart(8, "0")}`)
    }
    view.setFloat64(0, value)
    return JSON.stringify(`f64:${view.getBigUint64(0).toString(16).padStart(16, "0")}`)
}

function bytesOf(value) {
    return Array.from(new Uint8Array(value))
}

function renderValue(defs, type, value) {
    const render = (t, v) => renderValue(defs, t, v)
    switch (type.tag) {
        case "alias":
            return render(defs.get(type.data), value)
        case "uint":
        case "int":
        case "u64":
        case "i64":
            return BigInt(value).toString()
        case "u8":
        case "u16":
        case "u32":
        case "i8":
        case "i16":
        case "i32":
            return String(value)
        case "f32":
            return renderFloat(value, 32)
        case "f64":
            return renderFloat(value, 64)
        case "bool":
            return value ? "true" : "false"
        case "str":
            return JSON.stringify(value)
        case "data":
            return JSON.stringify(bytesOf(value))
        case "void":
            return "null"
        case "enum":
            return JSON.stringify(value)
        case "optional":
            return value == null ? "null" : render(type.types[0], value)
        case "list":
            return `[${Array.from(value, (v) => render(type.types[0], v)).join(",")}]`
        case "map": {
            const entries = Array.from(value, ([k, v]) => {
                const key = typeof k === "string" ? k : BigInt(k).toString()
                return `${JSON.stringify(key)}:${render(type.types[1], v)}`
            })
            return `{${entries.join(",")}}`
        }
        case "union": {
            const member = type.types.find((t) => t.tag === "alias" && t.data === value.tag)
            if (member == null) throw new Error(`unknown union member ${value.tag}`)
            if (resolve(defs, member).tag === "void") return JSON.stringify(value.tag)
            return `{${JSON.stringify(value.tag)}:${render(member, value.val)}}`
        }
        case "struct": {
            const fields = type.data.map(
                (field, i) => `${JSON.stringify(field.name)}:${render(type.types[i], value[field.name])}`,
            )
            return `{${fields.join(",")}}`
        }
        default:
            throw new Error(`no renderer for ${type.tag}`)
    }
}

main().catch((error) => {
    console.error(error?.stack ?? String(error))
    process.exit(1)
})

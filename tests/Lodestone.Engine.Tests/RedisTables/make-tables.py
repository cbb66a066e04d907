#!/usr/bin/env python3
"""Asks a real redis-server for the replies the RedisTables tests compare Lodestone's with.

    redis-server --port 6390 --save '' --appendonly no --zset-max-listpack-entries 1024 --daemonize yes
    python3 tests/Lodestone.Engine.Tests/RedisTables/make-tables.py 6390 [table ...]

Writes incrbyfloat.jsonl, lex-ranges.jsonl, negative-zero.jsonl, bitmaps.jsonl, lcs.jsonl, sort.jsonl,
geo.jsonl, hyperloglog.jsonl and streams.jsonl beside this file (or only the tables named): one case per line, the commands run
and what Redis answered. The inputs come from a fixed seed, so running it again against the same
Redis gives the same files. zset-max-listpack-entries is raised so that every set here (up to 200
members) is a listpack, whose lex-range walk is the deterministic rule Lodestone follows at every size.
"""
import hashlib
import json
import os
import random
import socket
import sys


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(out))
        return self.read()

    def read(self):
        line = self.file.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:].decode()
        if kind == b"+":
            return rest
        if kind == b"-":
            return {"error": rest}
        if kind == b":":
            return int(rest)
        if kind == b"$":
            if int(rest) < 0:
                return None
            # Byte for character (Latin-1), so binary replies (bitmaps) survive as text.
            data = self.file.read(int(rest) + 2)[:-2]
            return data.decode("latin-1")
        if kind == b"*":
            return None if int(rest) < 0 else [self.read() for _ in range(int(rest))]
        raise ValueError(line)


def numbers(rng):
    """Increments and starting values: plain decimals, exponents, hex, huge and tiny, edges, garbage."""
    fixed = [
        "0", "1", "-1", "0.1", "0.2", "-0.1", "1.5e3", "0x1f", "1e308", "-1e308", "1e400", "1e4932",
        "1.18e4932", "-1.18e4932", "1.1897314953572317650e4932", "1e-4950", "4e-4951", "3e-4951",
        "1e-5000", "0e-5000", "1e5000", "1e-30", "-1e-30", "3.0000000000000000000000001", "0x1p-3",
        "0X.8", "0x1.8p3", "0x1p16383", "0x1p16384", "0x1p-16445", "0x1p-16446", "0xFFFFFFFFFFFFFFFFFF",
        "0x1.fffffffffffffffffp0", "1.", ".5", "+1", "1e+2", "1E2", "00012.50", "-0", "+0", "-0.0",
        "inf", "-inf", "INFINITY", "nan", "NaN", "abc", " 1", "1 ", "", "1e", "1e+", "0x", "0x1p",
        "1.2.3", "++1", "--1", "0.30000000000000004", "123456789012345678901234567890",
        "9223372036854775807", "-9223372036854775808", "18446744073709551616", "0.000000000000000001",
        "99999999999999999.9", "1.99999999999999999999", "2.5e-17", "5e-18", "1.5e-17",
    ]
    generated = []
    for _ in range(60):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 22)))
        point = rng.randint(0, len(digits))
        sign = rng.choice(["", "", "-"])
        generated.append(sign + digits[:point] + "." + digits[point:] if point < len(digits) else sign + digits)
    for _ in range(40):
        mantissa = "%d.%0*d" % (rng.randint(1, 9), rng.randint(1, 18), rng.randint(0, 10**17))
        exponent = rng.choice([rng.randint(-30, 30), rng.randint(-4960, 4940), rng.randint(-320, 320)])
        generated.append(rng.choice(["", "-"]) + mantissa + "e" + str(exponent))
    for _ in range(20):
        hexdigits = "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.randint(1, 20)))
        generated.append("0x" + hexdigits + rng.choice(["", "p%d" % rng.randint(-16500, 16400), "p-3", "p10"]))
    return fixed + generated


def incrbyfloat_cases(redis, rng):
    values = numbers(rng)
    cases = []
    pairs = [(None, v) for v in values]
    pairs += [(rng.choice(values), rng.choice(values)) for _ in range(420)]
    for start, increment in pairs:
        redis.call("DEL", "f", "h")
        if start is not None:
            redis.call("SET", "f", start)
            redis.call("HSET", "h", "x", start)
        cases.append({"command": "INCRBYFLOAT", "start": start, "increment": increment,
                      "reply": redis.call("INCRBYFLOAT", "f", increment)})
        cases.append({"command": "HINCRBYFLOAT", "start": start, "increment": increment,
                      "reply": redis.call("HINCRBYFLOAT", "h", "x", increment)})
    # Chains: each result is the next start, as a counter sees it.
    for increment in ["0.1", "-0.3", "1e-17", "0x1p-60", "3.3333333333333333333", "1e17"]:
        redis.call("DEL", "f")
        start = None
        for _ in range(12):
            reply = redis.call("INCRBYFLOAT", "f", increment)
            cases.append({"command": "INCRBYFLOAT", "start": start, "increment": increment, "reply": reply})
            start = reply
    return cases


def lex_cases(redis, rng):
    cases = []
    alphabet = "abcde"
    for _ in range(400):
        size = rng.choice([2, 3, 4, 5, 8, 13, 30, 64, 129, 200])
        scores = rng.choice([[1, 2], [0, 1, 2, 3], [-1, 1], [1], [5, 5, 7]])
        members = set()
        while len(members) < size:
            members.add("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))))
        elements = [[rng.choice(scores), m] for m in sorted(members)]
        rng.shuffle(elements)

        def bound(kind):
            roll = rng.random()
            if roll < 0.1:
                return "-" if kind == "min" else "+"
            if roll < 0.15:
                return "+" if kind == "min" else "-"
            return rng.choice("[(") + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 2)))

        low, high = bound("min"), bound("max")
        choice = rng.randrange(7)
        if choice == 0:
            command = ["ZRANGEBYLEX", "z", low, high]
        elif choice == 1:
            command = ["ZREVRANGEBYLEX", "z", high, low]
        elif choice == 2:
            command = ["ZLEXCOUNT", "z", low, high]
        elif choice == 3:
            command = ["ZRANGE", "z", low, high, "BYLEX", "LIMIT", str(rng.randint(0, 3)), str(rng.choice([-1, 1, 2, 5]))]
        elif choice == 4:
            command = ["ZRANGE", "z", high, low, "BYLEX", "REV"]
        elif choice == 5:
            command = ["ZREMRANGEBYLEX", "z", low, high]
        else:
            command = ["ZRANGESTORE", "d", "z", low, high, "BYLEX"]
        redis.call("DEL", "z", "d")
        redis.call("ZADD", "z", *[str(x) for pair in elements for x in pair])
        reply = redis.call(*command)
        case = {"elements": elements, "command": command, "reply": reply}
        # What the set holds after a removal, and what a stored range holds, in order.
        if command[0] == "ZREMRANGEBYLEX":
            case["after"] = redis.call("ZRANGE", "z", "0", "-1")
        if command[0] == "ZRANGESTORE":
            case["stored"] = redis.call("ZRANGE", "d", "0", "-1")
        cases.append(case)
    return cases


def negative_zero_cases(redis):
    """Where a -0 score shows: replied by the set algebra, gone once stored (scores here are whole, so 7.0's %.17g prints them as 7.2 does)."""
    scripts = [
        [["ZADD", "z", "0", "a", "1", "b"], ["ZUNION", "1", "z", "WEIGHTS", "-1", "WITHSCORES"]],
        [["ZADD", "z", "0", "a", "1", "b"], ["ZINTER", "1", "z", "WEIGHTS", "-1", "WITHSCORES"]],
        [["ZADD", "z", "0", "a"], ["ZADD", "y", "0", "a"], ["ZUNION", "2", "z", "y", "WEIGHTS", "-1", "-1", "WITHSCORES"]],
        [["ZADD", "z", "0", "a"], ["ZADD", "y", "0", "a"], ["ZUNION", "2", "z", "y", "WEIGHTS", "-1", "1", "WITHSCORES"]],
        [["ZADD", "z", "0", "a"], ["ZADD", "y", "0", "a"], ["ZINTER", "2", "z", "y", "WEIGHTS", "-1", "-1", "AGGREGATE", "MIN", "WITHSCORES"]],
        [["ZADD", "z", "0", "a"], ["ZUNIONSTORE", "d", "1", "z", "WEIGHTS", "-1"], ["ZSCORE", "d", "a"]],
        [["ZADD", "z", "0", "a"], ["ZINTERSTORE", "d", "1", "z", "WEIGHTS", "-1"], ["ZRANGE", "d", "0", "-1", "WITHSCORES"]],
        [["ZADD", "z", "-0", "a"], ["ZSCORE", "z", "a"]],
        [["ZADD", "z", "-0.0", "a"], ["ZRANGE", "z", "0", "-1", "WITHSCORES"]],
        [["ZADD", "z", "0", "a"], ["ZINCRBY", "z", "-0", "a"]],
        [["ZADD", "z", "-1", "a"], ["ZINCRBY", "z", "1", "a"]],
        [["ZADD", "z", "0", "a"], ["ZDIFF", "1", "z", "WITHSCORES"]],
    ]
    cases = []
    for script in scripts:
        redis.call("DEL", "z", "y", "d")
        replies = [redis.call(*command) for command in script]
        cases.append({"commands": script, "replies": replies})
    return cases


def bitmap_cases(redis, rng):
    """Sequences of bitmap commands on a few keys (one of them a list), each reply recorded."""
    cases = []
    keys = ["b1", "b2", "b3", "missing"]

    def offset():
        return rng.choice([str(rng.randint(0, 64)), str(rng.randint(0, 4000)), str(rng.randint(0, 100000)),
                           "-1", "4294967296", "x", "1.5", "0"])

    def index():
        return rng.choice([str(rng.randint(-20, 20)), str(rng.randint(-200, 200)), "-1", "0", "x"])

    for _ in range(60):
        redis.call("DEL", *keys, "dest", "l")
        redis.call("RPUSH", "l", "x")
        commands = []
        for _ in range(rng.randint(5, 25)):
            kind = rng.random()
            key = rng.choice(keys + ["l"] if rng.random() < 0.05 else keys)
            # On the list, only good arguments: Lodestone checks the type first (docs/api.md), Redis the offset.
            if kind < 0.35:
                commands.append(["SETBIT", key, "5", "1"] if key == "l" else ["SETBIT", key, offset(), rng.choice(["1", "1", "0", "2", "x"])])
            elif kind < 0.5:
                commands.append(["SET", key, "".join(rng.choice("ab\x00\xff?") for _ in range(rng.randint(0, 12)))])
            elif kind < 0.65:
                commands.append(["GETBIT", key, "5" if key == "l" else offset()])
            elif kind < 0.75:
                args = [rng.choice(["0", "1", "1", "0", "2", "x"])]
                args += [index() for _ in range(rng.choice([0, 1, 2, 2]))]
                if len(args) == 3 and rng.random() < 0.6:
                    args.append(rng.choice(["BIT", "BYTE", "bit", "nope"]))
                commands.append(["BITPOS", "l" if key == "l" else key, *(args if key != "l" else ["1"])])
            elif kind < 0.85:
                form = rng.randrange(4)
                if form == 0:
                    commands.append(["BITCOUNT", key])
                elif form == 1:
                    commands.append(["BITCOUNT", key, index(), index()])
                elif form == 2:
                    commands.append(["BITCOUNT", key, index(), index(), rng.choice(["BIT", "BYTE", "bit", "nope"])])
                else:
                    commands.append(["BITCOUNT", key, index()])
            else:
                op = rng.choice(["AND", "OR", "XOR", "NOT", "and", "NAND"])
                sources = rng.sample(keys + ["l"], rng.randint(1, 3)) if rng.random() < 0.1 else rng.sample(keys, rng.randint(1, 3))
                commands.append(["BITOP", op, "dest", *sources])
            if rng.random() < 0.3:
                commands.append(["GET", "dest"])
        replies = [redis.call(*command) for command in commands]
        cases.append({"commands": commands, "replies": replies})
    # BITFIELD and BITFIELD_RO: sequences of operations, overflow modes and odd arguments.
    def encoding():
        roll = rng.random()
        if roll < 0.02:
            return rng.choice(["u64", "i65", "i0", "x8", "I8", "u", "i1.5"])
        signed = rng.random() < 0.5
        return ("i" if signed else "u") + str(rng.choice([1, 2, 3, 5, 7, 8, 9, 13, 16, 31, 32, 33, 63] + ([64] if signed else [])))

    def field_offset():
        if rng.random() < 0.03:
            return rng.choice(["-1", "x", "#-1"])
        return rng.choice([str(rng.randint(0, 40)), str(rng.randint(0, 300)), "#" + str(rng.randint(0, 6))])

    def number():
        if rng.random() < 0.03:
            return rng.choice(["1.5", "x"])
        return rng.choice([str(rng.randint(-300, 300)), str(rng.randint(-2**63, 2**63 - 1)), "0", "-1",
                           str(2**31), "9223372036854775807", "-9223372036854775808", "127", "255", "-128"])

    for _ in range(60):
        redis.call("DEL", "b1", "l")
        redis.call("RPUSH", "l", "x")
        commands = []
        for _ in range(rng.randint(3, 12)):
            read_only = rng.random() < 0.15
            args = []
            for _ in range(rng.randint(1, 4)):
                kind = rng.random()
                if kind < 0.35 or read_only and kind < 0.9:
                    args += ["GET", encoding(), field_offset()]
                elif kind < 0.6:
                    args += ["SET", encoding(), field_offset(), number()]
                elif kind < 0.85:
                    args += ["INCRBY", encoding(), field_offset(), number()]
                elif kind < 0.97:
                    args += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL", "FAIL", "sat", "fail", "nope"])]
                else:
                    args += [rng.choice(["GET", "SET", "INCRBY", "BOGUS"])]
            key = "l" if rng.random() < 0.05 else "b1"
            if key == "l":
                args = ["GET", "u8", "0"]
            commands.append(["BITFIELD_RO" if read_only else "BITFIELD", key, *args])
            if rng.random() < 0.3:
                commands.append(["GET", "b1"])
        cases.append({"commands": commands, "replies": [redis.call(*command) for command in commands]})
    # BITPOS and BITCOUNT over ranges of strings that are mostly 0x00 or 0xff bytes, the edges' masks at work.
    for _ in range(30):
        value = "".join(rng.choice(["\x00", "\x00", "\x7f", "\x01", "\x80", "\xfe"]) for _ in range(rng.randint(1, 6)))
        commands = [["SET", "b1", value]]
        for _ in range(10):
            length = len(value.encode()) * 8
            start, end = rng.randint(-length - 3, length + 3), rng.randint(-length - 3, length + 3)
            commands.append(["BITPOS", "b1", rng.choice(["0", "1"]), str(start), str(end), rng.choice(["BIT", "BYTE"])])
            commands.append(["BITPOS", "b1", rng.choice(["0", "1"]), str(start // 8)])
            commands.append(["BITCOUNT", "b1", str(start), str(end), "BIT"])
        redis.call("DEL", "b1")
        cases.append({"commands": commands, "replies": [redis.call(*command) for command in commands]})
    return cases


def lcs_cases(redis, rng):
    """LCS over strings of small alphabets (so matches break and resume), with every option mix."""
    cases = []
    for _ in range(150):
        redis.call("DEL", "a", "b", "l")
        redis.call("RPUSH", "l", "x")
        alphabet = rng.choice(["ab", "abc", "acgt", "abcdefgh"])
        commands = []
        for key in ["a", "b"]:
            if rng.random() < 0.92:
                commands.append(["SET", key, "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))])
        for _ in range(4):
            options = []
            for option in rng.sample(["LEN", "IDX", "WITHMATCHLEN", "MINMATCHLEN"], rng.randint(0, 3)):
                options += [option] if option != "MINMATCHLEN" else [option, rng.choice(["0", "1", "2", "3", "5", "-1", "x"])]
            if rng.random() < 0.03:
                options += [rng.choice(["BOGUS", "MINMATCHLEN"])]
            keys = ["a", "b"] if rng.random() < 0.95 else rng.choice([["a", "l"], ["l", "b"], ["a", "missing"]])
            commands.append(["LCS", *keys, *options])
        cases.append({"commands": commands, "replies": [redis.call(*command) for command in commands]})
    return cases


def sort_cases(redis, rng):
    """SORT and SORT_RO over lists, sets and sorted sets, with weights and objects behind BY and GET."""
    cases = []
    for _ in range(150):
        redis.call("FLUSHALL")
        redis.call("RPUSH", "l", "x")
        commands = []
        kind = rng.choice(["list", "set", "zset", "missing"])
        numeric = rng.random() < 0.6
        elements = []
        for _ in range(rng.randint(0, 12)):
            elements.append(str(rng.randint(-20, 40)) if numeric else rng.choice(["a", "b", "c", "aa", "ab", "z", "10", "9", "1.5"]) + str(rng.randint(0, 9)))
        if kind == "list" and elements:
            commands.append(["RPUSH", "src", *elements])
        elif kind == "set" and elements:
            commands.append(["SADD", "src", *elements])
        elif kind == "zset" and elements:
            commands.append(["ZADD", "src", *[x for e in elements for x in (str(rng.randint(0, 5)), e)]])
        distinct = sorted(set(elements))
        weights = rng.sample(range(1000), len(distinct))
        for element, weight in zip(distinct, weights):
            if rng.random() < 0.85:
                commands.append(["SET", "w_" + element, str(weight) if rng.random() < 0.97 else "notanumber"])
            if rng.random() < 0.7:
                commands.append(["HSET", "h_" + element, "f", "v" + str(weight), "n", str(weight)])
        for _ in range(4):
            args = []
            if rng.random() < 0.5:
                args += ["BY", rng.choice(["w_*", "h_*->n", "h_*->f", "nosort", "w_*->x", "missing_*"])]
            if rng.random() < 0.4:
                args += ["LIMIT", str(rng.randint(-1, 6)), str(rng.randint(-1, 6))]
            for _ in range(rng.choice([0, 0, 1, 2])):
                args += ["GET", rng.choice(["#", "w_*", "h_*->f", "nokey", "h_*->missing"])]
            if rng.random() < 0.4:
                args += [rng.choice(["ASC", "DESC", "desc"])]
            if rng.random() < 0.4 or not numeric:
                args += ["ALPHA"]
            if rng.random() < 0.03:
                args += [rng.choice(["BOGUS", "LIMIT", "BY"])]
            # A set read unsorted comes out in hash order, which is not Redis's to match: sort it or store it.
            unsorted = "nosort" in args or "w_*->x" in args
            store = rng.random() < 0.3
            if kind == "set" and unsorted and not store:
                args = [a for a in args if a not in ("nosort", "w_*->x", "BY")]
            # ALPHA by a pattern leaves ties (missing values) in qsort's order, which is not Redis's to
            # match: ALPHA sorts by the elements only (numbers by a pattern break ties by the element).
            if "ALPHA" in args and "BY" in args[:-1] and "*" in args[args.index("BY") + 1]:
                args.remove("ALPHA")
            command = ["SORT", "src", *args, "STORE", "dest"] if store else [rng.choice(["SORT", "SORT_RO"]), "src", *args]
            commands.append(command)
            if store:
                commands.append(["LRANGE", "dest", "0", "-1"])
        if rng.random() < 0.1:
            commands.append(["SORT", "l"])
            commands.append(["SORT", "w_" + (distinct[0] if distinct else "x")])
        cases.append({"commands": commands, "replies": [redis.call(*command) for command in commands]})
    return cases


def geo_cases(redis):
    """Places clustered around random centres (the poles' edges and the antimeridian included), then
    every geo command with every option mix. Its own seed, so other tables can be added before it."""
    rng = random.Random(20261208)
    units = ["m", "km", "ft", "mi", "KM"]
    cases = []

    def coordinate(centre, spread, low, high):
        return min(high, max(low, centre + rng.uniform(-spread, spread)))

    def place(lon, lat, spread):
        return [repr(coordinate(lon, spread, -180, 180)), repr(coordinate(lat, spread, -85.05112878, 85.05112878))]

    def shape_args(lon, lat, spread):
        origin = (["FROMMEMBER", rng.choice(["p0", "p1", "p3", "p0", "missing"])] if rng.random() < 0.4
                  else ["FROMLONLAT", *place(lon, lat, spread)])
        extent = rng.choice([0, 0.001, 0.5, 3, 50, 400, 3000]) * 1000 / rng.choice([1, 1000, 0.3048, 1609.34])
        unit = rng.choice(units)
        scale = {"m": 1, "km": 1000, "KM": 1000, "ft": 0.3048, "mi": 1609.34}[unit]
        size = repr(round(extent / scale * rng.uniform(0.5, 2), 3))
        if rng.random() < 0.5:
            by = ["BYRADIUS", size, unit]
        else:
            by = ["BYBOX", size, repr(round(extent / scale * rng.uniform(0.5, 2), 3)), unit]
        return origin + by

    def options(store):
        chosen = []
        if not store:
            chosen += rng.sample(["WITHCOORD", "WITHDIST", "WITHHASH"], rng.randint(0, 3))
        if rng.random() < 0.5:
            chosen += [rng.choice(["ASC", "DESC"])]
        if rng.random() < 0.4:
            chosen += ["COUNT", str(rng.randint(1, 8))] + (["ANY"] if rng.random() < 0.4 else [])
        rng.shuffle(chosen) if rng.random() < 0.2 and "COUNT" not in chosen else None
        return chosen

    for _ in range(200):
        redis.call("FLUSHALL")
        redis.call("SET", "s", "x")
        lon, lat = rng.choice([(rng.uniform(-180, 180), rng.uniform(-60, 60)), (rng.uniform(-180, 180), rng.uniform(60, 85)),
                               (rng.uniform(-180, 180), rng.uniform(-85, -60)), (rng.choice([-179.9, 179.9]), rng.uniform(-50, 50)),
                               (13.361389, 38.115556)])
        spread = rng.choice([0.01, 0.3, 2, 10, 60])
        commands = []
        count = rng.choice([0, rng.randint(1, 10), rng.randint(10, 150), rng.randint(10, 150)])
        for start in range(0, count, 10):
            batch = []
            for i in range(start, min(count, start + 10)):
                batch += place(lon, lat, spread) + ["p%d" % i]
            flags = rng.choice([[], [], ["CH"], ["NX"], ["XX", "CH"], ["ch", "nx"]])
            commands.append(["GEOADD", "g", *flags, *batch])
        if rng.random() < 0.15:
            commands.append(["GEOADD", "g", rng.choice(["200", "-180.5", "10", "inf"]), rng.choice(["86", "-90", "45", "x"]), "bad"])
        if rng.random() < 0.1:
            commands.append(["GEOADD", "g", rng.choice(["NX", "GT"]), "XX", "1", "2", "bad"])
        if rng.random() < 0.1:
            commands.append(["ZADD", "g", rng.choice(["1e20", "-1", "4503599627370496", "1.5", "0"]), "odd"])
        members = ["p%d" % i for i in range(min(count, 6))] + ["missing", "odd"]
        commands.append(["GEOPOS", "g", *rng.sample(members, min(len(members), 4))])
        commands.append(["GEOHASH", "g", *rng.sample(members, min(len(members), 4))])
        commands.append(["GEODIST", "g", rng.choice(members), rng.choice(members), *([rng.choice(units + ["yd"])] if rng.random() < 0.7 else [])])
        for _ in range(5):
            kind = rng.random()
            if kind < 0.45:
                commands.append(["GEOSEARCH", rng.choice(["g"] * 8 + ["missing", "s"]), *shape_args(lon, lat, spread), *options(False)])
            elif kind < 0.6:
                commands.append(["GEOSEARCHSTORE", "dest", rng.choice(["g", "g", "missing"]), *shape_args(lon, lat, spread), *options(True),
                                 *(["STOREDIST"] if rng.random() < 0.4 else [])])
                commands.append(["ZRANGE", "dest", "0", "-1"] + (["WITHSCORES"] if "STOREDIST" not in commands[-1] else []))
            elif kind < 0.8:
                radius = shape_args(lon, lat, spread)
                extent = radius[-2:] if radius[-3] not in ("BYRADIUS",) else radius[-2:]
                name = rng.choice(["GEORADIUS", "GEORADIUS_RO"])
                store = name == "GEORADIUS" and rng.random() < 0.3
                tail = [rng.choice(["STORE", "STOREDIST"]), "dest"] if store else []
                commands.append([name, "g", *place(lon, lat, spread), *extent, *options(store), *tail])
                if store:
                    commands.append(["ZRANGE", "dest", "0", "-1"] + (["WITHSCORES"] if "STORE" in tail else []))
            else:
                name = rng.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"])
                extent = shape_args(lon, lat, spread)[-2:]
                commands.append([name, rng.choice(["g", "g", "missing"]), rng.choice(members), *extent, *options(False)])
        if rng.random() < 0.2:
            commands.append(rng.choice([
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "-1", "km"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "-1", "km"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "x", "km"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "x", "1", "km"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "x", "km"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "yd"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "ANY"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "COUNT", "0"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "FROMMEMBER", "p0", "BYRADIUS", "1", "km"],
                ["geosearch", "g", "BYRADIUS", "1", "km", "WITHDIST", "ASC"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "WITHDIST", "ASC"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "100", "BYRADIUS", "1", "km"],
                ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "STORE", "x"],
                ["GEOSEARCHSTORE", "dest", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "WITHDIST"],
                ["GEORADIUS", "g", "0", "0", "1", "km", "STORE", "dest", "WITHCOORD"],
                ["GEORADIUS_RO", "g", "0", "0", "1", "km", "STORE", "dest"],
                ["GEORADIUSBYMEMBER", "missing", "p0", "x", "km"],
                ["GEORADIUSBYMEMBER", "g", "missing", "1", "km"],
                ["GEODIST", "g", "p0", "p1", "km", "extra"],
                ["GEOADD", "s", "1", "2", "m"],
                ["GEOPOS", "s", "m"],
            ]))
        cases.append({"commands": commands, "replies": [redis.call(*command) for command in commands]})
    return cases


def hll_expand(command):
    """A table command's real arguments: {"n": [prefix, start, count]} stands for prefix+start ... prefix+(start+count-1), {"b": text} for raw bytes (byte for character)."""
    args = []
    for arg in command:
        if isinstance(arg, dict) and "n" in arg:
            prefix, start, count = arg["n"]
            args += [prefix + str(i) for i in range(start, start + count)]
        elif isinstance(arg, dict):
            args.append(arg["b"].encode("latin-1"))
        else:
            args.append(arg)
    return args


def hll_run(redis, command):
    """One table command; ["DIGEST", key] is the SHA-256 of GET key's bytes (hex), so a 12 KB dense HLL takes 64 characters."""
    if command[0] == "DIGEST":
        value = redis.call("GET", command[1])
        return None if value is None else hashlib.sha256(value.encode("latin-1")).hexdigest()
    return redis.call(*hll_expand(command))


def hll_cases(redis, rng):
    """HyperLogLogs: random sets from sparse through the promotion to dense, merges and multi-key counts,
    Redis's bytes SET back, and corrupted values. Elements are prefix+number ranges, so a set of 20,000 is
    one short argument; a GET is recorded as its SHA-256 (the raw bytes for small HLLs)."""
    cases = []
    prefixes = ["", "e", "user:", "élément-", "k\x01", "longer-prefix-of-23-ch:", "x" * 7, "日本"]

    def prefix():
        return rng.choice(prefixes) + ("".join(rng.choice("abcxyz") for _ in range(rng.randint(0, 3))) if rng.random() < 0.5 else "")

    def size():
        roll = rng.random()
        if roll < 0.15:
            return rng.randint(0, 8)
        if roll < 0.6:
            return rng.randint(9, 400)
        if roll < 0.88:
            return rng.randint(400, 3500)
        return rng.randint(3500, 20000)

    def adds(key, pre, count):
        """PFADD of 0..count-1 in up to 4 batches, sometimes with a batch again (nothing changes)."""
        commands = []
        cuts = sorted(rng.sample(range(1, count), min(count - 1, rng.randint(0, 3)))) if count > 1 else []
        bounds = [0] + cuts + [count]
        for a, b in zip(bounds, bounds[1:]):
            commands.append(["PFADD", key, {"n": [pre, a, b - a]}])
        if not commands:
            commands.append(["PFADD", key])
        if count and rng.random() < 0.3:
            a = rng.randint(0, count - 1)
            commands.append(["PFADD", key, {"n": [pre, a, rng.randint(1, count - a)]}])
        return commands

    reset = [["DEL", "h", "k1", "k2", "k3", "k4", "d", "c", "l"], ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"], ["RPUSH", "l", "x"]]

    def record(commands, stop_at_error=False):
        for command in reset:
            redis.call(*command)
        replies = []
        for command in commands:
            replies.append(hll_run(redis, command))
            if stop_at_error and isinstance(replies[-1], dict):
                commands = commands[:len(replies)]
                break
        cases.append({"commands": commands, "replies": replies})

    # Random sets, one key.
    for _ in range(1000):
        count, pre = size(), prefix()
        commands = []
        if rng.random() < 0.05:
            commands.append(["CONFIG", "SET", "hll-sparse-max-bytes", rng.choice(["0", "20", "100", "500", "5000"])])
        commands += adds("h", pre, count)
        commands += [["PFCOUNT", "h"], ["DIGEST", "h"], ["PFDEBUG", "ENCODING", "h"], ["PFCOUNT", "h"], ["DIGEST", "h"]]
        if count <= 8:
            commands.append(["GET", "h"])
        if count <= 40 and rng.random() < 0.5:
            commands.append(["PFDEBUG", "DECODE", "h"])
        if rng.random() < 0.3:
            more = rng.randint(1, 3000)
            commands += [["PFADD", "h", {"n": [prefix(), 0, more]}], ["PFCOUNT", "h"], ["DIGEST", "h"]]
        if rng.random() < 0.3:
            commands += [["PFDEBUG", "TODENSE", "h"], ["DIGEST", "h"], ["PFCOUNT", "h"], ["PFDEBUG", "TODENSE", "h"]]
        record(commands)

    # Several keys: PFCOUNT of the union, PFMERGE into a new, an existing or a source key.
    for _ in range(200):
        keys = rng.sample(["k1", "k2", "k3", "k4"], rng.randint(1, 4))
        commands = []
        shared = prefix()
        for key in keys:
            commands += adds(key, shared if rng.random() < 0.4 else prefix(), size())
        listed = keys + (["missing"] if rng.random() < 0.2 else [])
        rng.shuffle(listed)
        commands.append(["PFCOUNT", *listed])
        roll = rng.random()
        if roll < 0.2:
            commands += adds("d", prefix(), size())
            destination = "d"
        elif roll < 0.35:
            destination = keys[0]
        else:
            destination = "d"
        sources = listed if rng.random() < 0.95 else []
        commands += [["PFMERGE", destination, *sources], ["DIGEST", destination], ["PFDEBUG", "ENCODING", destination],
                     ["PFCOUNT", destination], ["DIGEST", destination], ["PFCOUNT", *listed]]
        record(commands)

    # Redis's own bytes SET back: counted, added to, merged; a cached cardinality is believed.
    for i in range(120):
        redis.call("DEL", "h")
        count = rng.randint(0, 300) if i >= 3 else rng.randint(3000, 9000)
        for command in adds("h", prefix(), count):
            hll_run(redis, command)
        if rng.random() < 0.5:
            redis.call("PFCOUNT", "h")
        raw = redis.call("GET", "h")
        commands = [["SET", "c", {"b": raw}]]
        if rng.random() < 0.3:
            cached = raw[:8] + "".join(chr(rng.randint(0, 255)) for _ in range(7)) + chr(rng.randint(0, 127)) + raw[16:]
            commands = [["SET", "c", {"b": cached}], ["PFCOUNT", "c"]]
        commands += [["PFCOUNT", "c"], ["PFADD", "c", {"n": [prefix(), 0, rng.randint(0, 200)]}], ["PFCOUNT", "c"], ["DIGEST", "c"],
                     ["PFMERGE", "d", "c"], ["DIGEST", "d"], ["PFCOUNT", "c", "d"]]
        record(commands)

    # Not HLLs, and corrupted ones: each case stops at its first error (Redis may have changed the key half-way).
    def valid_sparse():
        redis.call("DEL", "h")
        for command in adds("h", prefix(), rng.randint(0, 120)):
            hll_run(redis, command)
        return redis.call("GET", "h")

    for _ in range(300):
        roll = rng.random()
        if roll < 0.15:
            value = rng.choice(["", "hello", "HYLL", "12345", "HYLL\x01\x00\x00\x00\x00\x00\x00", "hyll" + "\x01" + "\x00" * 11 + "\x7f\xff"])
        elif roll < 0.3:
            value = valid_sparse()
            value = value[:4] + chr(rng.choice([0, 2, 3, 255])) + value[5:]
        else:
            value = bytearray(valid_sparse().encode("latin-1"))
            for _ in range(rng.randint(1, 3)):
                mutation = rng.random()
                if mutation < 0.4 and len(value) > 16:
                    value[rng.randint(16, len(value) - 1)] = rng.randint(0, 255)
                elif mutation < 0.6 and len(value) > 17:
                    del value[rng.randint(16, len(value) - 1)]
                elif mutation < 0.8:
                    value.insert(rng.randint(16, len(value)), rng.choice([0x00, 0x3f, 0x40, 0x7f, 0x80, 0xfc, 0xff]))
                else:
                    value = value[:rng.randint(16, len(value))]
            value = value.decode("latin-1")
        commands = [["SET", "c", {"b": value}]]
        for _ in range(rng.randint(1, 4)):
            commands.append(rng.choice([
                ["PFCOUNT", "c"], ["PFADD", "c", {"n": [prefix(), 0, rng.randint(0, 50)]}], ["PFMERGE", "d", "c"],
                ["PFMERGE", "c"], ["PFCOUNT", "c", "d"], ["PFCOUNT", "d", "l", "c"], ["PFDEBUG", "TODENSE", "c"],
                ["PFDEBUG", "DECODE", "c"], ["PFDEBUG", "ENCODING", "c"], ["PFDEBUG", "NOPE", "c"], ["PFDEBUG", "ENCODING", "l"],
                ["PFDEBUG", "ENCODING", "missing"], ["PFADD", "l", "x"], ["PFCOUNT", "l"], ["PFMERGE", "l", "c"],
            ]))
            commands.append(["DIGEST", "c"])
        record(commands, stop_at_error=True)
    return cases


def stream_mask(command, reply):
    """Blanks what depends on the clock or on Redis's radix tree (idle times, seen and delivery times, rax nodes)."""
    name = command[0].upper()
    if name == "XPENDING" and len(command) >= 6 and isinstance(reply, list):
        return [[row[0], row[1], None, row[3]] if isinstance(row, list) and len(row) == 4 else row for row in reply]
    if name != "XINFO" or not isinstance(reply, list):
        return reply

    def walk(node):
        if not isinstance(node, list):
            return node
        out = []
        blank_next = False
        pending_next = False
        for item in node:
            if blank_next:
                out.append(None)
                blank_next = False
                continue
            if pending_next and isinstance(item, list):
                out.append([[r[0], r[1], None, r[3]] if len(r) == 4 else [r[0], None, r[2]] for r in item])
                pending_next = False
                continue
            pending_next = False
            if item in ("radix-tree-nodes", "seen-time", "idle"):
                blank_next = True
            if item == "pending":
                pending_next = True
            out.append(walk(item))
        return out
    return walk(reply)


def stream_cases(redis, rng):
    """Stream commands, hand-written sequences then random ones, on explicit ids (no '*': its ids come from the clock)."""
    cases = []

    def record(commands):
        redis.call("FLUSHALL")
        replies = [stream_mask(cmd, redis.call(*cmd)) for cmd in commands]
        cases.append({"commands": commands, "replies": replies})

    def add(key, ident, *pairs):
        return ["XADD", key, ident] + list(pairs or ("f", "v"))

    fixed = [
        # XADD ids and errors
        [add("s", "0-0"), add("s", "0-1"), add("s", "0-1"), add("s", "1"), add("s", "1-*"), add("s", "1-*"), add("s", "5-*"),
         ["XADD", "s", "abc", "f", "v"], ["XADD", "s", "2-x", "f", "v"], ["XADD", "s", "-1", "f", "v"], ["XADD", "s", "6", "f"],
         ["XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"], ["XADD", "s", "18446744073709551615-*", "f", "v"],
         ["XLEN", "s"], ["XRANGE", "s", "-", "+"], ["XADD", "s", "1-1", "f", "v"]],
        [add("s", "18446744073709551615-*"), add("s2", "5-18446744073709551615"), add("s2", "5-*"), ["XRANGE", "s2", "-", "+"]],
        [["XADD", "s", "NOMKSTREAM", "1-1", "f", "v"], ["EXISTS", "s"], ["XADD", "s", "MAXLEN", "-1", "1-1", "f", "v"],
         ["XADD", "s", "MAXLEN", "x", "1-1", "f", "v"], ["XADD", "s", "MAXLEN", "~", "10", "LIMIT", "5", "1-1", "f", "v"],
         ["XADD", "s", "MAXLEN", "10", "LIMIT", "5", "2-1", "f", "v"], ["XADD", "s", "MAXLEN", "=", "10", "LIMIT", "5", "2-1", "f", "v"],
         ["XADD", "s", "MINID", "1", "MAXLEN", "1", "3-1", "f", "v"], ["XADD", "s", "MAXLEN", "1", "MINID", "1", "3-1", "f", "v"],
         ["XADD", "s", "MINID", "x", "3-1", "f", "v"], ["XADD", "s", "LIMIT", "5", "3-1", "f", "v"], ["XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "4-1", "f", "v"],
         ["XADD", "s", "MAXLEN", "~", "1", "LIMIT", "x", "4-1", "f", "v"], ["XADD", "s", "NOMKSTREAM", "MAXLEN", "0", "5-1", "a", "b"],
         ["XLEN", "s"], ["XINFO", "STREAM", "s"], ["XADD", "s", "MAXLEN", "0", "6-1", "a", "b"], ["XLEN", "s"], ["EXISTS", "s"],
         ["XINFO", "STREAM", "s"], ["XADD", "s", "5-1", "a", "b"], ["XADD", "s", "nomkstream", "maxlen", "=", "1", "7-1", "a", "b", "c", "d"],
         ["XRANGE", "s", "-", "+"], ["XADD", "s", "MINID", "=", "9", "8-1", "x", "y"], ["XLEN", "s"], ["XADD", "s", "MAXLEN"], ["XADD", "s", "MAXLEN", "1"],
         ["XADD", "s", "MAXLEN", "1", "9-1"], ["XADD", "s", "NOMKSTREAM", "9-1", "f"]],
        # XRANGE / XREVRANGE
        [add("s", "1-1"), add("s", "1-2", "a", "1", "b", "2"), add("s", "2-0"), add("s", "3-5"), add("s", "10-0"),
         ["XRANGE", "s", "-", "+"], ["XRANGE", "s", "1", "2"], ["XRANGE", "s", "(1-1", "+"], ["XRANGE", "s", "-", "(10"], ["XRANGE", "s", "(1", "+"],
         ["XRANGE", "s", "-", "+", "COUNT", "2"], ["XRANGE", "s", "-", "+", "COUNT", "0"], ["XRANGE", "s", "-", "+", "COUNT", "-1"],
         ["XRANGE", "s", "-", "+", "COUNT", "x"], ["XRANGE", "s", "-", "+", "COUNT"], ["XRANGE", "s", "-", "+", "LIMIT", "1"],
         ["XRANGE", "s", "(", "+"], ["XRANGE", "s", "(-", "+"], ["XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"],
         ["XRANGE", "s", "-", "(0-0"], ["XRANGE", "s", "-", "(0"], ["XRANGE", "s", "x", "+"], ["XRANGE", "s", "5", "1"],
         ["XRANGE", "s", "3-5", "3-5"], ["XRANGE", "s", "(3-5", "3-5"], ["XRANGE", "s", "+", "-"], ["XRANGE", "missing", "-", "+"],
         ["XREVRANGE", "s", "+", "-"], ["XREVRANGE", "s", "+", "-", "COUNT", "2"], ["XREVRANGE", "s", "(10", "(1-1"], ["XREVRANGE", "s", "3", "2"],
         ["XREVRANGE", "s", "-", "+"], ["XREVRANGE", "s", "+", "-", "COUNT", "0"], ["XREVRANGE", "missing", "+", "-"],
         ["XRANGE", "s", "1-18446744073709551615", "+"], ["XRANGE", "s", "(1-18446744073709551615", "+"], ["XREVRANGE", "s", "(2-0", "-"],
         ["XRANGE", "s", "01-1", "+"], ["XRANGE", "s", " 1", "+"], ["XRANGE", "s", "+1", "+"], ["XRANGE", "s", "1-", "+"], ["XRANGE", "s", "-1", "+"]],
        # XDEL / XTRIM / XLEN
        [add("s", "1-1"), add("s", "2-1"), add("s", "3-1"), add("s", "4-1"), add("s", "5-1"),
         ["XDEL", "s", "2-1", "9-9", "2-1"], ["XDEL", "s", "3-1", "bad"], ["XDEL", "missing", "1-1"], ["XDEL", "missing", "bad"], ["XDEL", "s"],
         ["XLEN", "s"], ["XRANGE", "s", "-", "+"], ["XINFO", "STREAM", "s"], ["XDEL", "s", "1-1"], ["XINFO", "STREAM", "s"],
         ["XTRIM", "s", "MAXLEN", "2"], ["XTRIM", "s", "MAXLEN", "5"], ["XTRIM", "s", "MAXLEN"], ["XTRIM", "s", "foo", "1"],
         ["XTRIM", "s", "MAXLEN", "~", "0"], ["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "-1"], ["XTRIM", "s", "MINID", "1", "LIMIT", "2"],
         ["XTRIM", "missing", "MAXLEN", "0"], ["XTRIM", "s", "MINID", "5"], ["XRANGE", "s", "-", "+"], ["XTRIM", "s", "MINID", "6"],
         ["XLEN", "s"], ["XINFO", "STREAM", "s"], ["XTRIM", "s", "MAXLEN", "1", "extra"], ["XTRIM", "s", "MAXLEN", "1", "MINID", "1"],
         ["XDEL", "s", "5-1"], ["XLEN", "missing"]],
        # wrong types
        [["SET", "str", "x"], add("str", "1-1"), ["XRANGE", "str", "-", "+"], ["XREVRANGE", "str", "+", "-"], ["XLEN", "str"], ["XDEL", "str", "1-1"],
         ["XTRIM", "str", "MAXLEN", "1"], ["XREAD", "STREAMS", "str", "0"], ["XGROUP", "CREATE", "str", "g", "0"], ["XINFO", "STREAM", "str"],
         ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"], ["XACK", "str", "g", "1-1"], ["XPENDING", "str", "g"], ["XCLAIM", "str", "g", "c", "0", "1-1"],
         ["XAUTOCLAIM", "str", "g", "c", "0", "0"], ["XSETID", "str", "1-1"], ["XINFO", "GROUPS", "str"], ["XINFO", "CONSUMERS", "str", "g"],
         ["XRANGE", "str", "x", "+"], ["XADD", "str", "x", "f", "v"], ["XREAD", "COUNT", "x", "STREAMS", "str", "0"], ["TYPE", "str"]],
        # XREAD
        [add("a", "1-1"), add("a", "2-1"), add("b", "5-1"), ["XREAD", "STREAMS", "a", "0"], ["XREAD", "STREAMS", "a", "b", "1-1", "0"],
         ["XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"], ["XREAD", "STREAMS", "a", "$"], ["XREAD", "STREAMS", "a", "2-1"],
         ["XREAD", "STREAMS", "missing", "a", "0", "0"], ["XREAD", "STREAMS", "a"], ["XREAD", "STREAMS", "a", "b", "0"], ["XREAD", "a", "0"],
         ["XREAD", "COUNT", "x", "STREAMS", "a", "0"], ["XREAD", "COUNT", "-1", "STREAMS", "a", "0"], ["XREAD", "COUNT", "0", "STREAMS", "a", "0"],
         ["XREAD", "BLOCK", "-1", "STREAMS", "a", "0"], ["XREAD", "BLOCK", "x", "STREAMS", "a", "0"], ["XREAD", "BLOCK", "100", "STREAMS", "a", "0"],
         ["XREAD", "STREAMS", "a", ">"], ["XREAD", "STREAMS", "a", "x"], ["XREAD", "STREAMS", "a", "+"], ["XREAD", "STREAMS", "a", "-"],
         ["XREAD", "NOACK", "STREAMS", "a", "0"], ["XREAD", "COUNT", "1", "COUNT", "2", "STREAMS", "a", "0"], ["XREAD", "STREAMS", "STREAMS", "a", "0", "0"],
         ["XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"], ["XREAD", "STREAMS", "a", "a", "0", "1-1"], ["XREAD", "STREAMS", "missing", "0"],
         ["XREAD", "STREAMS", "a", "(1-1"], ["XREAD", "STREAMS", "a", "1"]],
        # groups: create, setid, destroy, consumers
        [["XGROUP", "CREATE", "s", "g", "$"], ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"], ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
         ["XLEN", "s"], ["XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "5"], ["XGROUP", "CREATE", "s", "g3", "x"], ["XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD", "-2"],
         ["XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD", "x"], ["XGROUP", "CREATE", "s", "g3", "0", "FOO"], ["XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD"],
         ["XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD", "-1"], ["XINFO", "GROUPS", "s"], add("s", "1-1"), add("s", "2-1"), ["XINFO", "GROUPS", "s"],
         ["XGROUP", "SETID", "s", "g", "0"], ["XGROUP", "SETID", "s", "nogroup", "0"], ["XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "2"],
         ["XGROUP", "SETID", "s", "g", "x"], ["XGROUP", "SETID", "missing", "g", "0"], ["XINFO", "GROUPS", "s"],
         ["XGROUP", "CREATECONSUMER", "s", "g", "c1"], ["XGROUP", "CREATECONSUMER", "s", "g", "c1"], ["XGROUP", "CREATECONSUMER", "s", "nogroup", "c1"],
         ["XGROUP", "CREATECONSUMER", "missing", "g", "c1"], ["XINFO", "CONSUMERS", "s", "g"], ["XGROUP", "DELCONSUMER", "s", "g", "c1"],
         ["XGROUP", "DELCONSUMER", "s", "g", "c1"], ["XGROUP", "DELCONSUMER", "s", "nogroup", "c1"], ["XGROUP", "DESTROY", "s", "g"], ["XGROUP", "DESTROY", "s", "g"],
         ["XGROUP", "DESTROY", "missing", "g"], ["XGROUP", "HELP"], ["XGROUP", "FOO"], ["XGROUP", "CREATE", "s"], ["XGROUP"], ["XINFO", "GROUPS", "s"],
         ["XINFO", "CONSUMERS", "s", "nogroup"], ["XINFO", "CONSUMERS", "missing", "g"], ["XINFO", "GROUPS", "missing"], ["XINFO", "STREAM", "missing"],
         ["XINFO", "HELP"], ["XINFO", "FOO"], ["XINFO"], ["XINFO", "STREAM"], ["XGROUP", "CREATE", "s", "g4", "1-1", "MKSTREAM", "ENTRIESREAD", "1"], ["XINFO", "GROUPS", "s"],
         ["XGROUP", "CREATE", "e", "g", "0", "MKSTREAM"], ["XGROUP", "CREATE", "e", "g2", "$", "MKSTREAM"], ["XINFO", "GROUPS", "e"], ["XINFO", "STREAM", "e"]],
        # XREADGROUP, XACK, XPENDING
        [add("s", "1-1"), add("s", "2-1"), add("s", "3-1"), ["XGROUP", "CREATE", "s", "g", "0"],
         ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", ">"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"],
         ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"], ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"],
         ["XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "STREAMS", "s", "0"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "2-1"],
         ["XPENDING", "s", "g"], ["XPENDING", "s", "g", "-", "+", "10"], ["XPENDING", "s", "g", "-", "+", "10", "c2"], ["XPENDING", "s", "g", "-", "+", "10", "nobody"],
         ["XPENDING", "s", "g", "(1-1", "+", "1"], ["XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"], ["XPENDING", "s", "g", "IDLE", "99999999", "-", "+", "10"],
         ["XPENDING", "s", "g", "-", "+"], ["XPENDING", "s", "g", "-", "+", "x"], ["XPENDING", "s", "g", "x", "+", "1"], ["XPENDING", "s", "g", "IDLE", "x", "-", "+", "1"],
         ["XPENDING", "s", "g", "IDLE", "5", "-", "+"], ["XPENDING", "s", "nogroup"], ["XPENDING", "missing", "g"], ["XPENDING", "s", "g", "-", "+", "-5"],
         ["XINFO", "CONSUMERS", "s", "g"], ["XINFO", "GROUPS", "s"], ["XACK", "s", "g", "1-1", "1-1", "9-9"], ["XACK", "s", "g", "bad"], ["XACK", "s", "nogroup", "2-1"],
         ["XACK", "missing", "g", "2-1"], ["XPENDING", "s", "g"], ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"],
         ["XREADGROUP", "GROUP", "g", "c1", "NOACK", "STREAMS", "s", ">"], add("s", "4-1"), ["XREADGROUP", "GROUP", "g", "c3", "NOACK", "STREAMS", "s", ">"],
         ["XPENDING", "s", "g"], ["XINFO", "GROUPS", "s"], ["XREADGROUP", "GROUP", "nogroup", "c", "STREAMS", "s", ">"],
         ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "missing", ">"], ["XREADGROUP", "GROUP", "g", "STREAMS", "s", ">"], ["XREADGROUP", "STREAMS", "s", ">"],
         ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"], ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"], ["XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "s", ">"],
         ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "x", "STREAMS", "s", ">"], ["XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", "s", ">"],
         ["XINFO", "STREAM", "s", "FULL"], ["XINFO", "STREAM", "s", "FULL", "COUNT", "1"], ["XINFO", "STREAM", "s", "FULL", "COUNT", "x"], ["XINFO", "STREAM", "s", "FOO"],
         ["XDEL", "s", "3-1"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "0"], ["XINFO", "GROUPS", "s"], ["XINFO", "STREAM", "s"]],
        # XCLAIM, XAUTOCLAIM
        [add("s", "1-1"), add("s", "2-1"), add("s", "3-1"), add("s", "4-1"), ["XGROUP", "CREATE", "s", "g", "0"],
         ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"], ["XCLAIM", "s", "g", "c2", "0", "1-1", "2-1"], ["XCLAIM", "s", "g", "c2", "99999999", "3-1"],
         ["XCLAIM", "s", "g", "c3", "0", "3-1", "JUSTID"], ["XPENDING", "s", "g", "-", "+", "10"], ["XCLAIM", "s", "g", "c3", "0", "9-9"],
         ["XCLAIM", "s", "g", "c3", "0", "4-1", "RETRYCOUNT", "7", "IDLE", "5"], ["XPENDING", "s", "g", "-", "+", "10"], ["XCLAIM", "s", "g", "c3", "x", "4-1"],
         ["XCLAIM", "s", "g", "c3", "0", "4-1", "IDLE", "x"], ["XCLAIM", "s", "g", "c3", "0", "4-1", "TIME", "x"], ["XCLAIM", "s", "g", "c3", "0", "4-1", "RETRYCOUNT", "x"],
         ["XCLAIM", "s", "g", "c3", "0", "4-1", "FOO"], ["XCLAIM", "s", "g", "c3", "0", "4-1", "LASTID", "x"], ["XCLAIM", "s", "g", "c3", "0", "x"],
         ["XCLAIM", "s", "nogroup", "c3", "0", "4-1"], ["XCLAIM", "missing", "g", "c3", "0", "4-1"], ["XDEL", "s", "2-1"], ["XCLAIM", "s", "g", "c4", "0", "2-1", "3-1"],
         ["XPENDING", "s", "g"], ["XINFO", "CONSUMERS", "s", "g"], ["XADD", "s", "5-1", "f", "v"], ["XCLAIM", "s", "g", "c5", "0", "5-1"], ["XCLAIM", "s", "g", "c5", "0", "5-1", "FORCE"],
         ["XCLAIM", "s", "g", "c5", "0", "5-1", "FORCE", "JUSTID"], ["XPENDING", "s", "g", "-", "+", "10"], ["XCLAIM", "s", "g", "c5", "0", "5-1", "LASTID", "9-0", "JUSTID"],
         ["XINFO", "GROUPS", "s"], ["XCLAIM", "s", "g", "c6", "-5", "1-1", "4-1", "RETRYCOUNT", "-1"], ["XPENDING", "s", "g", "-", "+", "10"],
         ["XAUTOCLAIM", "s", "g", "c7", "0", "0"], ["XAUTOCLAIM", "s", "g", "c8", "0", "0", "COUNT", "1"], ["XAUTOCLAIM", "s", "g", "c8", "0", "(1-1", "COUNT", "1", "JUSTID"],
         ["XAUTOCLAIM", "s", "g", "c8", "99999999", "0"], ["XAUTOCLAIM", "s", "g", "c8", "0", "0", "COUNT", "0"], ["XAUTOCLAIM", "s", "g", "c8", "0", "0", "COUNT", "x"],
         ["XAUTOCLAIM", "s", "g", "c8", "x", "0"], ["XAUTOCLAIM", "s", "g", "c8", "0", "x"], ["XAUTOCLAIM", "s", "g", "c8", "0", "0", "FOO"], ["XAUTOCLAIM", "s", "nogroup", "c8", "0", "0"],
         ["XAUTOCLAIM", "missing", "g", "c8", "0", "0"], ["XDEL", "s", "4-1", "1-1"], ["XAUTOCLAIM", "s", "g", "c9", "0", "0"], ["XPENDING", "s", "g", "-", "+", "10"],
         ["XINFO", "CONSUMERS", "s", "g"], ["XAUTOCLAIM", "s", "g", "c9", "0", "(18446744073709551615-18446744073709551615"], ["XAUTOCLAIM", "s", "g", "c9", "0", "0", "COUNT", "9223372036854775807"]],
        # XSETID
        [add("s", "1-1"), add("s", "2-1"), ["XSETID", "s", "1-1"], ["XSETID", "s", "2-1"], ["XSETID", "s", "5-0"], ["XINFO", "STREAM", "s"],
         ["XSETID", "s", "6-0", "ENTRIESADDED", "1"], ["XSETID", "s", "6-0", "ENTRIESADDED", "10", "MAXDELETEDID", "7-0"], ["XSETID", "s", "6-0", "ENTRIESADDED", "10", "MAXDELETEDID", "1-0"],
         ["XSETID", "s", "6-0", "MAXDELETEDID", "1-0"], ["XSETID", "s", "6-0", "ENTRIESADDED", "-1"], ["XSETID", "s", "6-0", "ENTRIESADDED", "x"], ["XSETID", "s", "x"],
         ["XSETID", "s", "6-0", "FOO"], ["XSETID", "missing", "1-1"], ["XINFO", "STREAM", "s"], ["XADD", "s", "6-0", "f", "v"], ["XADD", "s", "6-1", "f", "v"],
         ["XDEL", "s", "1-1", "2-1", "6-1"], ["XSETID", "s", "0-1"], ["XSETID", "s", "5-0"], ["XINFO", "STREAM", "s"], ["XSETID", "s", "9-0", "ENTRIESADDED", "10", "MAXDELETEDID", "9-1"],
         ["XSETID", "s", "9-0", "ENTRIESADDED", "3", "MAXDELETEDID", "9-0"], ["XINFO", "STREAM", "s"], ["XSETID", "s", "9-0", "ENTRIESADDED"]],
        # lag and entries-read
        [add("s", "1-1"), add("s", "2-1"), add("s", "3-1"), add("s", "4-1"), ["XGROUP", "CREATE", "s", "g", "0"], ["XGROUP", "CREATE", "s", "h", "$"],
         ["XGROUP", "CREATE", "s", "k", "2-1"], ["XINFO", "GROUPS", "s"], ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"], ["XINFO", "GROUPS", "s"],
         ["XDEL", "s", "3-1"], ["XINFO", "GROUPS", "s"], ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"], ["XINFO", "GROUPS", "s"],
         ["XREADGROUP", "GROUP", "k", "c", "STREAMS", "s", ">"], ["XINFO", "GROUPS", "s"], ["XTRIM", "s", "MAXLEN", "1"], ["XINFO", "GROUPS", "s"], add("s", "5-1"),
         ["XINFO", "GROUPS", "s"], ["XDEL", "s", "4-1", "5-1"], ["XINFO", "GROUPS", "s"], ["XINFO", "STREAM", "s"], ["XINFO", "STREAM", "s", "FULL"]],
        # XINFO STREAM details, first/last entries
        [add("s", "1-1", "a", "1"), add("s", "2-1", "b", "2", "c", "3"), ["XINFO", "STREAM", "s"], ["XDEL", "s", "1-1"], ["XINFO", "STREAM", "s"],
         ["XINFO", "STREAM", "s", "FULL", "COUNT", "0"], ["XDEL", "s", "2-1"], ["XINFO", "STREAM", "s"], ["XINFO", "STREAM", "s", "FULL"], ["TYPE", "s"],
         ["OBJECT", "ENCODING", "s"], ["XINFO", "STREAM", "s", "FULL", "COUNT"], ["XINFO", "STREAM", "s", "FULL", "COUNT", "-1"], ["XINFO", "STREAM", "s", "FULL", "COUNT", "1", "X"]],
    ]
    for commands in fixed:
        record(commands)

    # Random sequences over two streams with small ids, crossing block boundaries (100 entries a node).
    for _ in range(120):
        commands = []
        next_ms = {"s": 1, "t": 1}
        for _ in range(rng.randint(5, 40)):
            key = rng.choice(["s", "s", "t"])
            kind = rng.random()
            if kind < 0.35:
                n = rng.choice([1, 1, 3, 50, 120])
                for _ in range(n if n < 5 else 1):
                    ident = "%d-%d" % (next_ms[key], rng.randint(0, 3))
                    if rng.random() < 0.2:
                        ident = "%d-*" % next_ms[key]
                    next_ms[key] += rng.randint(0, 2)
                    trim = rng.choice([[], [], ["MAXLEN", str(rng.randint(0, 150))], ["MAXLEN", "~", str(rng.randint(0, 150))],
                                       ["MINID", "%d" % rng.randint(0, next_ms[key])], ["MAXLEN", "~", str(rng.randint(0, 150)), "LIMIT", str(rng.randint(0, 200))]])
                    commands.append(["XADD", key] + trim + [ident] + rng.choice([["f", "v"], ["f", str(rng.randint(0, 9))], ["a", "1", "b", "2"]]))
                if n >= 5:
                    # Many entries at once: a run of fresh ms ids.
                    for _ in range(n):
                        commands.append(["XADD", key, "%d-0" % next_ms[key], "f", "x" * rng.randint(0, 60)])
                        next_ms[key] += 1
            elif kind < 0.5:
                commands.append(["XDEL", key] + ["%d-%d" % (rng.randint(0, next_ms[key]), rng.randint(0, 3)) for _ in range(rng.randint(1, 4))])
            elif kind < 0.6:
                commands.append(["XTRIM", key] + rng.choice([["MAXLEN", str(rng.randint(0, 150))], ["MAXLEN", "~", str(rng.randint(0, 150))],
                                                              ["MINID", "~", str(rng.randint(0, next_ms[key]))], ["MINID", str(rng.randint(0, next_ms[key]))],
                                                              ["MAXLEN", "~", str(rng.randint(0, 100)), "LIMIT", str(rng.randint(0, 300))]]))
            elif kind < 0.8:
                lo, hi = sorted([rng.randint(0, next_ms[key]), rng.randint(0, next_ms[key])])
                start = rng.choice(["-", str(lo), "(%d-0" % lo, "%d-1" % lo])
                end = rng.choice(["+", str(hi), "(%d-1" % hi, "%d-0" % hi])
                count = rng.choice([[], [], ["COUNT", str(rng.randint(0, 20))]])
                if rng.random() < 0.5:
                    commands.append(["XRANGE", key, start, end] + count)
                else:
                    commands.append(["XREVRANGE", key, end, start] + count)
            elif kind < 0.9:
                commands.append(["XREAD", "COUNT", str(rng.randint(1, 30)), "STREAMS", "s", "t", "%d-0" % rng.randint(0, next_ms["s"]), "%d-0" % rng.randint(0, next_ms["t"])])
            else:
                commands.append(rng.choice([["XLEN", key], ["XINFO", "STREAM", key], ["XSETID", key, "%d-5" % next_ms[key]]]))
        record(commands)

    # Random consumer-group sequences: reads, history, acks, claims, autoclaims, deletes and trims
    # under the PEL (min-idle 0 or far above any idle time, so the clock never decides).
    for _ in range(80):
        commands = [["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"], ["XGROUP", "CREATE", "s", "h", "$"]]
        next_ms = 1
        for _ in range(rng.randint(10, 50)):
            group = rng.choice(["g", "g", "h", "nope"])
            consumer = rng.choice(["a", "b", "c"])
            kind = rng.random()
            def some_id():
                return "%d-%d" % (rng.randint(0, next_ms), rng.randint(0, 1))
            if kind < 0.25:
                for _ in range(rng.choice([1, 1, 2, 5, 30])):
                    commands.append(["XADD", "s", "%d-0" % next_ms, "f", str(next_ms)])
                    next_ms += 1
            elif kind < 0.4:
                count = rng.choice([[], ["COUNT", str(rng.randint(1, 5))]])
                noack = ["NOACK"] if rng.random() < 0.15 else []
                start = rng.choice([">", ">", ">", "0", some_id()])
                commands.append(["XREADGROUP", "GROUP", group, consumer] + count + noack + ["STREAMS", "s", start])
            elif kind < 0.5:
                commands.append(["XACK", "s", group] + [some_id() for _ in range(rng.randint(1, 4))])
            elif kind < 0.6:
                options = rng.choice([[], ["JUSTID"], ["FORCE"], ["RETRYCOUNT", str(rng.randint(0, 9))], ["LASTID", some_id()], ["FORCE", "JUSTID"]])
                commands.append(["XCLAIM", "s", group, consumer, rng.choice(["0", "0", "99999999"])] + [some_id() for _ in range(rng.randint(1, 3))] + options)
            elif kind < 0.68:
                commands.append(["XAUTOCLAIM", "s", group, consumer, rng.choice(["0", "0", "99999999"]), rng.choice(["0", "-", some_id(), "(" + some_id()])]
                                + rng.choice([[], ["COUNT", str(rng.randint(1, 4))], ["JUSTID"], ["COUNT", "2", "JUSTID"]]))
            elif kind < 0.76:
                commands.append(["XPENDING", "s", group] + rng.choice([[], ["-", "+", "10"], ["-", "+", "3", consumer], [some_id(), "+", "5"], ["IDLE", "0", "-", "+", "4"]]))
            elif kind < 0.82:
                commands.append(rng.choice([["XDEL", "s", some_id(), some_id()], ["XTRIM", "s", "MAXLEN", str(rng.randint(0, 20))], ["XTRIM", "s", "MINID", str(rng.randint(0, next_ms))]]))
            elif kind < 0.9:
                commands.append(rng.choice([["XINFO", "GROUPS", "s"], ["XINFO", "CONSUMERS", "s", group], ["XINFO", "STREAM", "s"], ["XINFO", "STREAM", "s", "FULL", "COUNT", "3"]]))
            else:
                commands.append(rng.choice([["XGROUP", "SETID", "s", group, rng.choice(["0", "$", some_id()])], ["XGROUP", "DELCONSUMER", "s", group, consumer],
                                            ["XGROUP", "CREATECONSUMER", "s", group, consumer], ["XGROUP", "SETID", "s", group, some_id(), "ENTRIESREAD", str(rng.randint(0, 9))],
                                            ["XGROUP", "CREATE", "s", "nope", "$"], ["XGROUP", "DESTROY", "s", "nope"]]))
        record(commands)

    # Node boundaries with values from empty to beyond a node's 4096 bytes, numbers stored as
    # integers, several fields, and approximate trims with LIMIT that stop at a node.
    for _ in range(20):
        commands = []
        ms = 1
        for _ in range(rng.randint(20, 150)):
            size = rng.choice([0, 1, 5, 40, 63, 64, 100, 200, 200, 1000, 5000] if rng.random() < 0.2 else [0, 1, 5, 40, 63, 64, 100])
            value = rng.choice(["x" * size, str(rng.randint(-100000, 100000)), str(rng.randint(0, 127))])
            fields = rng.choice([["f", value], ["f", value, "g", "1"], ["h" * rng.randint(1, 70), value]])
            commands.append(["XADD", "s", "%d-%d" % (ms, rng.randint(0, 200))] + fields)
            ms += rng.choice([1, 1, 100, 5000, 100000])
            if rng.random() < 0.05:
                commands.append(["XINFO", "STREAM", "s"])
            if rng.random() < 0.05:
                commands.append(["XTRIM", "s", "MAXLEN", "~", str(rng.randint(0, 100)), "LIMIT", str(rng.randint(0, 150))])
        commands += [["XINFO", "STREAM", "s"], ["XTRIM", "s", "MINID", "~", str(rng.randint(0, ms))], ["XLEN", "s"], ["XINFO", "STREAM", "s"]]
        record(commands)
    return cases


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    redis = Redis(port)
    version = redis.call("INFO", "server").split("redis_version:")[1].split("\r\n")[0]
    here = os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(20261207)
    only = set(sys.argv[2:])
    # (name, maker, whether it draws from the shared seed)
    makers = [("incrbyfloat", lambda: incrbyfloat_cases(redis, rng), True), ("lex-ranges", lambda: lex_cases(redis, rng), True),
              ("negative-zero", lambda: negative_zero_cases(redis), False), ("bitmaps", lambda: bitmap_cases(redis, rng), True),
              ("lcs", lambda: lcs_cases(redis, rng), True), ("sort", lambda: sort_cases(redis, rng), True),
              ("geo", lambda: geo_cases(redis), False), ("hyperloglog", lambda: hll_cases(redis, random.Random(20260301)), False),
              ("streams", lambda: stream_cases(redis, random.Random(20261207)), False)]
    # A table on the shared seed comes out the same only after the ones before it have drawn from
    # it, so those are made too (and not written); a table with its own seed can be made alone.
    tables = []
    for i, (name, make, _) in enumerate(makers):
        wanted = not only or name in only
        if wanted or any(later in only and shared for later, _, shared in makers[i + 1:]):
            cases = make()
            if wanted:
                tables.append((name, cases))
    for name, cases in tables:
        with open(os.path.join(here, name + ".jsonl"), "w") as out:
            out.write(json.dumps({"redis": version, "cases": len(cases)}) + "\n")
            for case in cases:
                out.write(json.dumps(case) + "\n")
        print(f"{name}: {len(cases)} cases from Redis {version}")


main()

package authentiktest

import (
	"encoding/binary"

	"golang.org/x/crypto/blake2b"
)

// argon2Key is Argon2 (RFC 9106) for every type and version argon2's C library verifies:
// golang.org/x/crypto/argon2 computes only argon2i and argon2id of version 0x13, and Django
// also verifies argon2d and hashes of argon2 1.0 (version 0x10, F-H2). One lane at a time
// and no SIMD: the simulator uses it only where x/crypto cannot.
func argon2Key(typ, version uint32, password, salt []byte, t, m, lanes, keyLen uint32) []byte {
	var h0 [blake2b.Size + 8]byte
	b2, _ := blake2b.New512(nil)
	for _, v := range []uint32{lanes, keyLen, m, t, version, typ} {
		b2.Write(binary.LittleEndian.AppendUint32(nil, v))
	}
	for _, b := range [][]byte{password, salt, nil, nil} { // no secret, no associated data
		b2.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(b))))
		b2.Write(b)
	}
	b2.Sum(h0[:0])

	m = max(m/(4*lanes)*(4*lanes), 8*lanes)
	laneLen, segLen := m/lanes, m/lanes/4
	mem := make([][128]uint64, m)
	var buf [1024]byte
	for l := range lanes {
		for i := range uint32(2) {
			binary.LittleEndian.PutUint32(h0[blake2b.Size:], i)
			binary.LittleEndian.PutUint32(h0[blake2b.Size+4:], l)
			blake2bLong(buf[:], h0[:])
			for k := range mem[l*laneLen+i] {
				mem[l*laneLen+i][k] = binary.LittleEndian.Uint64(buf[k*8:])
			}
		}
	}
	var zero [128]uint64
	for pass := range t {
		for slice := range uint32(4) {
			for l := range lanes {
				independent := typ == 1 || typ == 2 && pass == 0 && slice < 2
				var in, addr [128]uint64
				in[0], in[1], in[2], in[3], in[4], in[5] = uint64(pass), uint64(l), uint64(slice), uint64(m), uint64(t), uint64(typ)
				start := uint32(0)
				if pass == 0 && slice == 0 {
					start = 2
				}
				for idx := start; idx < segLen; idx++ {
					cur := l*laneLen + slice*segLen + idx
					prev := cur - 1
					if slice == 0 && idx == 0 {
						prev = l*laneLen + laneLen - 1
					}
					var rnd uint64
					if independent {
						if idx%128 == 0 || idx == 2 && start == 2 {
							in[6]++
							argon2Block(&addr, &in, &zero, false)
							argon2Block(&addr, &addr, &zero, false)
						}
						rnd = addr[idx%128]
					} else {
						rnd = mem[prev][0]
					}
					ref := argon2Ref(rnd, laneLen, segLen, lanes, pass, slice, l, idx)
					argon2Block(&mem[cur], &mem[prev], &mem[ref], version != 0x10 && pass > 0)
				}
			}
		}
	}
	last := mem[laneLen-1]
	for l := uint32(1); l < lanes; l++ {
		for k, v := range mem[l*laneLen+laneLen-1] {
			last[k] ^= v
		}
	}
	for k, v := range last {
		binary.LittleEndian.PutUint64(buf[k*8:], v)
	}
	key := make([]byte, keyLen)
	blake2bLong(key, buf[:])
	return key
}

// argon2Ref picks the reference block (RFC 9106, 3.4.1.2).
func argon2Ref(rnd uint64, laneLen, segLen, lanes, pass, slice, lane, idx uint32) uint32 {
	refLane := uint32(rnd>>32) % lanes
	if pass == 0 && slice == 0 {
		refLane = lane
	}
	var area, start uint32
	switch {
	case pass == 0 && refLane == lane:
		area = slice*segLen + idx - 1
	case pass == 0:
		area = slice * segLen
	case refLane == lane:
		area, start = laneLen-segLen+idx-1, (slice+1)%4*segLen
	default:
		area, start = laneLen-segLen, (slice+1)%4*segLen
	}
	if refLane != lane && idx == 0 {
		area--
	}
	x := rnd & 0xffffffff
	x = x * x >> 32
	x = uint64(area) - 1 - uint64(area)*x>>32
	return refLane*laneLen + uint32((uint64(start)+x)%uint64(laneLen))
}

// argon2Block is the compression G: out = P(x ^ y) ^ x ^ y, XORed into out when xor.
func argon2Block(out, x, y *[128]uint64, xor bool) {
	var r [128]uint64
	for i := range r {
		r[i] = x[i] ^ y[i]
	}
	q := r
	for i := 0; i < 8; i++ {
		argon2Round(&q, func(k int) int { return 16*i + k })
	}
	for i := 0; i < 8; i++ {
		argon2Round(&q, func(k int) int { return 2*i + k%2 + 16*(k/2) })
	}
	for i := range out {
		if !xor {
			out[i] = 0
		}
		out[i] ^= q[i] ^ r[i]
	}
}

// argon2Round is BLAKE2b's round with Argon2's multiplications on 16 words of q.
func argon2Round(q *[128]uint64, at func(int) int) {
	g := func(a, b, c, d int) {
		a, b, c, d = at(a), at(b), at(c), at(d)
		for _, rot := range [][2]int{{32, 24}, {16, 63}} {
			q[a] += q[b] + 2*uint64(uint32(q[a]))*uint64(uint32(q[b]))
			q[d] = rotr(q[d]^q[a], rot[0])
			q[c] += q[d] + 2*uint64(uint32(q[c]))*uint64(uint32(q[d]))
			q[b] = rotr(q[b]^q[c], rot[1])
		}
	}
	g(0, 4, 8, 12)
	g(1, 5, 9, 13)
	g(2, 6, 10, 14)
	g(3, 7, 11, 15)
	g(0, 5, 10, 15)
	g(1, 6, 11, 12)
	g(2, 7, 8, 13)
	g(3, 4, 9, 14)
}

func rotr(v uint64, n int) uint64 { return v>>n | v<<(64-n) }

// blake2bLong is Argon2's variable-length hash H'.
func blake2bLong(out, in []byte) {
	prefix := binary.LittleEndian.AppendUint32(nil, uint32(len(out)))
	if len(out) <= blake2b.Size {
		h, _ := blake2b.New(len(out), nil)
		h.Write(prefix)
		h.Write(in)
		h.Sum(out[:0])
		return
	}
	v := blake2b.Sum512(append(prefix, in...))
	copy(out, v[:32])
	out = out[32:]
	for len(out) > blake2b.Size {
		v = blake2b.Sum512(v[:])
		copy(out, v[:32])
		out = out[32:]
	}
	h, _ := blake2b.New(len(out), nil)
	h.Write(v[:])
	h.Sum(out[:0])
}

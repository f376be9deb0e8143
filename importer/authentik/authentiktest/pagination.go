package authentiktest

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/akimport/akimport/importer/authentik"
)

// authentik 2024.8's pagination (F-L1): 100 a page by default, at most 100.
const (
	defaultPageSize = 100
	maxPageSize     = 100
)

// paginate is authentik's Pagination over Django's Paginator: the pagination object, the
// offset and length of the page, or false for a page that does not exist ("Invalid page.").
func paginate(count int, pageParam, sizeParam string) (authentik.Pagination, int, int, bool) {
	size := defaultPageSize
	if n, err := strconv.Atoi(pyStrip(sizeParam)); err == nil && n > 0 {
		size = min(n, maxPageSize)
	}
	numPages := max(1, (count+size-1)/size)
	number := 1
	switch pageParam {
	case "":
	case "last":
		number = numPages
	default:
		n, err := strconv.Atoi(pyStrip(pageParam))
		if err != nil {
			return authentik.Pagination{}, 0, 0, false
		}
		number = n
	}
	if number < 1 || number > numPages {
		return authentik.Pagination{}, 0, 0, false
	}
	offset := (number - 1) * size
	p := authentik.Pagination{Count: count, Current: number, TotalPages: numPages, EndIndex: number * size}
	if number > 1 {
		p.Previous = number - 1
	}
	if number < numPages {
		p.Next = number + 1
	} else {
		p.EndIndex = count
	}
	if count > 0 {
		p.StartIndex = offset + 1
	}
	return p, offset, min(size, count-offset), true
}

// lastValue is Django's QueryDict.get: the last value given for key, "" when absent.
func lastValue(q url.Values, key string) string {
	if vs := q[key]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return ""
}

// boolFilter is django-filter's BooleanWidget: true/false/1/0 in any case; anything else
// (or nothing) filters nothing.
func boolFilter(v string) (value, filter bool) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// includeFlag is authentik's include_groups/include_users: true unless given and not "true".
func includeFlag(q url.Values, key string) bool {
	if _, given := q[key]; !given {
		return true
	}
	return strings.ToLower(lastValue(q, key)) == "true"
}

// The libraries Postman's sandbox lends to `require()`, as far as collections use them, written
// small for qaflow: lodash (a common subset), moment (parse/format/add/subtract/diff/compare),
// uuid, crypto-js (hashes, HMAC, encoders: hashes.js) and tv4 (a JSON Schema subset). Loaded once per context, then frozen.
'use strict';

var __qaflow_libs = (function () {
  // ---- lodash -------------------------------------------------------------------------------
  function iteratee(f) {
    if (typeof f === 'function') return f;
    if (f === undefined || f === null) return function (x) { return x; };
    if (typeof f === 'string' || typeof f === 'number') return function (x) { return get(x, f); };
    if (Array.isArray(f)) return function (x) { return __qaflow_chai.deepEqual(get(x, f[0]), f[1]); };
    return function (x) { return isMatch(x, f); };
  }
  function toPath(path) {
    if (Array.isArray(path)) return path.map(String);
    return String(path).replace(/\[(?:'([^']*)'|"([^"]*)"|([^\]]*))\]/g, function (m, a, b, c) {
      return '.' + (a !== undefined ? a : b !== undefined ? b : c);
    }).split('.').filter(function (p) { return p !== ''; });
  }
  function get(obj, path, dflt) {
    var parts = toPath(path), cur = obj;
    for (var i = 0; i < parts.length; i++) {
      if (cur === null || cur === undefined) return dflt;
      cur = cur[parts[i]];
    }
    return cur === undefined ? dflt : cur;
  }
  function has(obj, path) {
    var parts = toPath(path), cur = obj;
    for (var i = 0; i < parts.length; i++) {
      if (cur === null || cur === undefined || !Object.prototype.hasOwnProperty.call(cur, parts[i])) return false;
      cur = cur[parts[i]];
    }
    return true;
  }
  function set(obj, path, value) {
    var parts = toPath(path), cur = obj;
    for (var i = 0; i < parts.length - 1; i++) {
      if (cur[parts[i]] === null || typeof cur[parts[i]] !== 'object') cur[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      cur = cur[parts[i]];
    }
    cur[parts[parts.length - 1]] = value;
    return obj;
  }
  function isMatch(obj, src) {
    if (obj === null || obj === undefined) return false;
    return Object.keys(src).every(function (k) {
      var s = src[k];
      if (s !== null && typeof s === 'object' && !Array.isArray(s)) return isMatch(obj[k], s);
      return __qaflow_chai.deepEqual(obj[k], s);
    });
  }
  function values(obj) { return obj === null || obj === undefined ? [] : Array.isArray(obj) ? obj.slice() : Object.keys(obj).map(function (k) { return obj[k]; }); }
  function each(coll, fn) {
    if (Array.isArray(coll) || typeof coll === 'string') {
      for (var i = 0; i < coll.length; i++) if (fn(coll[i], i, coll) === false) break;
    } else if (coll) {
      var keys = Object.keys(coll);
      for (var j = 0; j < keys.length; j++) if (fn(coll[keys[j]], keys[j], coll) === false) break;
    }
    return coll;
  }
  function map(coll, f) {
    var fn = iteratee(f), out = [];
    each(coll, function (v, k, c) { out.push(fn(v, k, c)); });
    return out;
  }
  function filter(coll, f) {
    var fn = iteratee(f), out = [];
    each(coll, function (v, k, c) { if (fn(v, k, c)) out.push(v); });
    return out;
  }
  function find(coll, f) {
    var fn = iteratee(f), found;
    each(coll, function (v, k, c) { if (fn(v, k, c)) { found = v; return false; } });
    return found;
  }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function sortBy(coll, fs) {
    var fns = (Array.isArray(fs) ? fs : [fs]).map(iteratee);
    return values(coll).map(function (v, i) { return [v, i]; }).sort(function (a, b) {
      for (var i = 0; i < fns.length; i++) { var c = cmp(fns[i](a[0]), fns[i](b[0])); if (c) return c; }
      return a[1] - b[1];
    }).map(function (p) { return p[0]; });
  }
  function orderBy(coll, fs, orders) {
    var fns = (Array.isArray(fs) ? fs : [fs]).map(iteratee);
    orders = orders ? (Array.isArray(orders) ? orders : [orders]) : [];
    return values(coll).map(function (v, i) { return [v, i]; }).sort(function (a, b) {
      for (var i = 0; i < fns.length; i++) {
        var c = cmp(fns[i](a[0]), fns[i](b[0]));
        if (c) return orders[i] === 'desc' ? -c : c;
      }
      return a[1] - b[1];
    }).map(function (p) { return p[0]; });
  }
  function groupBy(coll, f) {
    var fn = iteratee(f), out = {};
    each(coll, function (v) { var k = fn(v); (out[k] = out[k] || []).push(v); });
    return out;
  }
  function keyBy(coll, f) {
    var fn = iteratee(f), out = {};
    each(coll, function (v) { out[fn(v)] = v; });
    return out;
  }
  function countBy(coll, f) {
    var fn = iteratee(f), out = {};
    each(coll, function (v) { var k = fn(v); out[k] = (out[k] || 0) + 1; });
    return out;
  }
  function uniqBy(arr, f) {
    var fn = iteratee(f), seen = [], out = [];
    (arr || []).forEach(function (v) { var k = fn(v); if (seen.indexOf(k) === -1) { seen.push(k); out.push(v); } });
    return out;
  }
  function cloneDeep(v) {
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Date) return new Date(v.getTime());
    if (Array.isArray(v)) return v.map(cloneDeep);
    var out = {};
    Object.keys(v).forEach(function (k) { out[k] = cloneDeep(v[k]); });
    return out;
  }
  function merge(target) {
    for (var i = 1; i < arguments.length; i++) {
      var src = arguments[i];
      if (!src) continue;
      Object.keys(src).forEach(function (k) {
        var s = src[k];
        if (s !== null && typeof s === 'object' && !(s instanceof Date) && target[k] !== null && typeof target[k] === 'object') merge(target[k], s);
        else if (s !== undefined) target[k] = cloneDeep(s);
      });
    }
    return target;
  }
  function words(s) { return String(s).replace(/([a-z])([A-Z])/g, '$1 $2').split(/[^A-Za-z0-9]+/).filter(Boolean); }
  function isObject(v) { return v !== null && (typeof v === 'object' || typeof v === 'function'); }
  function isEmpty(v) {
    if (v === null || v === undefined) return true;
    if (Array.isArray(v) || typeof v === 'string') return v.length === 0;
    if (v instanceof Map || v instanceof Set) return v.size === 0;
    if (typeof v === 'object') return Object.keys(v).length === 0;
    return true;
  }
  function random(lo, hi, floating) {
    if (hi === undefined) { hi = lo === undefined ? 1 : lo; lo = 0; }
    if (typeof hi === 'boolean') { floating = hi; hi = lo; lo = 0; }
    if (floating || lo % 1 || hi % 1) return lo + Math.random() * (hi - lo);
    return lo + Math.floor(Math.random() * (hi - lo + 1));
  }
  function range(start, end, step) {
    if (end === undefined) { end = start; start = 0; }
    step = step === undefined ? (end < start ? -1 : 1) : step;
    var out = [];
    if (step === 0) return out;
    for (var i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
    return out;
  }
  function flattenDeep(a) { return a.reduce(function (acc, v) { return acc.concat(Array.isArray(v) ? flattenDeep(v) : v); }, []); }
  function num(arr) { return (arr || []).filter(function (x) { return x !== undefined && x !== null; }); }
  function extremum(arr, f, better) {
    var fn = iteratee(f), best, bestKey;
    (arr || []).forEach(function (v) { var k = fn(v); if (best === undefined || better(k, bestKey)) { best = v; bestKey = k; } });
    return best;
  }
  var lodash = {
    get: get, set: set, has: has, isMatch: isMatch, matches: function (src) { return function (o) { return isMatch(o, src); }; },
    property: function (p) { return function (o) { return get(o, p); }; },
    each: each, forEach: each, map: map, filter: filter, find: find,
    reject: function (c, f) { var fn = iteratee(f); return filter(c, function (v, k, cc) { return !fn(v, k, cc); }); },
    findIndex: function (arr, f) { var fn = iteratee(f); for (var i = 0; i < (arr || []).length; i++) if (fn(arr[i], i, arr)) return i; return -1; },
    findLast: function (arr, f) { var fn = iteratee(f); for (var i = (arr || []).length - 1; i >= 0; i--) if (fn(arr[i], i, arr)) return arr[i]; return undefined; },
    some: function (c, f) { return find(c, f) !== undefined || filter(c, f).length > 0; },
    every: function (c, f) { var fn = iteratee(f); return filter(c, function (v, k, cc) { return !fn(v, k, cc); }).length === 0; },
    reduce: function (c, fn, acc) {
      var first = arguments.length < 3;
      each(c, function (v, k, cc) { if (first) { acc = v; first = false; } else acc = fn(acc, v, k, cc); });
      return acc;
    },
    includes: function (c, v) { return typeof c === 'string' ? c.indexOf(v) !== -1 : values(c).indexOf(v) !== -1; },
    size: function (c) { return c === null || c === undefined ? 0 : typeof c === 'string' || Array.isArray(c) ? c.length : Object.keys(c).length; },
    keys: function (o) { return o === null || o === undefined ? [] : Object.keys(o); }, values: values,
    entries: function (o) { return Object.keys(o || {}).map(function (k) { return [k, o[k]]; }); },
    toPairs: function (o) { return Object.keys(o || {}).map(function (k) { return [k, o[k]]; }); },
    fromPairs: function (pairs) { var out = {}; (pairs || []).forEach(function (p) { out[p[0]] = p[1]; }); return out; },
    pick: function (o, ks) {
      var keys = Array.isArray(ks) ? ks : Array.prototype.slice.call(arguments, 1), out = {};
      keys.forEach(function (k) { if (has(o, k)) set(out, k, get(o, k)); });
      return out;
    },
    omit: function (o, ks) {
      var keys = Array.isArray(ks) ? ks : Array.prototype.slice.call(arguments, 1), out = {};
      Object.keys(o || {}).forEach(function (k) { if (keys.indexOf(k) === -1) out[k] = o[k]; });
      return out;
    },
    mapValues: function (o, f) { var fn = iteratee(f), out = {}; Object.keys(o || {}).forEach(function (k) { out[k] = fn(o[k], k, o); }); return out; },
    mapKeys: function (o, f) { var fn = iteratee(f), out = {}; Object.keys(o || {}).forEach(function (k) { out[fn(o[k], k, o)] = o[k]; }); return out; },
    assign: function () { return Object.assign.apply(Object, arguments); },
    extend: function () { return Object.assign.apply(Object, arguments); },
    defaults: function (o) {
      for (var i = 1; i < arguments.length; i++) { var s = arguments[i]; Object.keys(s || {}).forEach(function (k) { if (o[k] === undefined) o[k] = s[k]; }); }
      return o;
    },
    merge: merge, clone: function (v) { return Array.isArray(v) ? v.slice() : isObject(v) ? Object.assign({}, v) : v; },
    cloneDeep: cloneDeep, isEqual: function (a, b) { return __qaflow_chai.deepEqual(a, b); },
    isEmpty: isEmpty, isArray: Array.isArray, isObject: isObject,
    isPlainObject: function (v) { return v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null); },
    isString: function (v) { return typeof v === 'string'; }, isNumber: function (v) { return typeof v === 'number'; },
    isInteger: Number.isInteger, isFinite: Number.isFinite, isNaN: function (v) { return typeof v === 'number' && v !== v; },
    isBoolean: function (v) { return typeof v === 'boolean'; }, isFunction: function (v) { return typeof v === 'function'; },
    isNil: function (v) { return v === null || v === undefined; }, isNull: function (v) { return v === null; },
    isUndefined: function (v) { return v === undefined; }, isDate: function (v) { return v instanceof Date; },
    isRegExp: function (v) { return v instanceof RegExp; },
    uniq: function (a) { return uniqBy(a); }, uniqBy: uniqBy, sortBy: sortBy, orderBy: orderBy,
    groupBy: groupBy, keyBy: keyBy, countBy: countBy,
    sum: function (a) { return num(a).reduce(function (s, v) { return s + v; }, 0); },
    sumBy: function (a, f) { var fn = iteratee(f); return (a || []).reduce(function (s, v) { return s + fn(v); }, 0); },
    mean: function (a) { return a && a.length ? num(a).reduce(function (s, v) { return s + v; }, 0) / a.length : NaN; },
    min: function (a) { return extremum(a, null, function (x, y) { return x < y; }); },
    max: function (a) { return extremum(a, null, function (x, y) { return x > y; }); },
    minBy: function (a, f) { return extremum(a, f, function (x, y) { return x < y; }); },
    maxBy: function (a, f) { return extremum(a, f, function (x, y) { return x > y; }); },
    first: function (a) { return a ? a[0] : undefined; }, head: function (a) { return a ? a[0] : undefined; },
    last: function (a) { return a && a.length ? a[a.length - 1] : undefined; },
    tail: function (a) { return (a || []).slice(1); }, initial: function (a) { return (a || []).slice(0, -1); },
    take: function (a, n) { return (a || []).slice(0, n === undefined ? 1 : n); },
    drop: function (a, n) { return (a || []).slice(n === undefined ? 1 : n); },
    nth: function (a, n) { return n < 0 ? a[a.length + n] : a[n]; },
    chunk: function (a, n) { var out = []; n = n || 1; for (var i = 0; i < (a || []).length; i += n) out.push(a.slice(i, i + n)); return out; },
    compact: function (a) { return (a || []).filter(Boolean); },
    concat: function () { return Array.prototype.concat.apply([], arguments); },
    flatten: function (a) { return [].concat.apply([], a || []); }, flattenDeep: flattenDeep,
    difference: function (a, b) { return (a || []).filter(function (v) { return (b || []).indexOf(v) === -1; }); },
    intersection: function (a, b) { return uniqBy((a || []).filter(function (v) { return (b || []).indexOf(v) !== -1; })); },
    union: function () { return uniqBy([].concat.apply([], Array.prototype.slice.call(arguments))); },
    without: function (a) { var ex = Array.prototype.slice.call(arguments, 1); return (a || []).filter(function (v) { return ex.indexOf(v) === -1; }); },
    zip: function () {
      var arrays = Array.prototype.slice.call(arguments), len = Math.max.apply(null, arrays.map(function (a) { return a.length; }));
      return range(len).map(function (i) { return arrays.map(function (a) { return a[i]; }); });
    },
    indexOf: function (a, v) { return (a || []).indexOf(v); },
    reverse: function (a) { return a.reverse(); },
    sample: function (c) { var v = values(c); return v[Math.floor(Math.random() * v.length)]; },
    shuffle: function (c) { return sortBy(values(c), function () { return Math.random(); }); },
    random: random, range: range,
    times: function (n, f) { var out = [], fn = iteratee(f); for (var i = 0; i < n; i++) out.push(fn(i)); return out; },
    identity: function (v) { return v; }, noop: function () {},
    capitalize: function (s) { s = String(s || ''); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); },
    upperFirst: function (s) { s = String(s || ''); return s.charAt(0).toUpperCase() + s.slice(1); },
    lowerFirst: function (s) { s = String(s || ''); return s.charAt(0).toLowerCase() + s.slice(1); },
    camelCase: function (s) { return words(s).map(function (w, i) { w = w.toLowerCase(); return i ? w.charAt(0).toUpperCase() + w.slice(1) : w; }).join(''); },
    kebabCase: function (s) { return words(s).map(function (w) { return w.toLowerCase(); }).join('-'); },
    snakeCase: function (s) { return words(s).map(function (w) { return w.toLowerCase(); }).join('_'); },
    startCase: function (s) { return words(s).map(function (w) { return w.charAt(0).toUpperCase() + w.slice(1); }).join(' '); },
    toUpper: function (s) { return String(s).toUpperCase(); }, toLower: function (s) { return String(s).toLowerCase(); },
    trim: function (s) { return String(s === undefined || s === null ? '' : s).trim(); },
    padStart: function (s, n, c) { return String(s).padStart(n, c === undefined ? ' ' : c); },
    padEnd: function (s, n, c) { return String(s).padEnd(n, c === undefined ? ' ' : c); },
    repeat: function (s, n) { return String(s).repeat(n); },
    startsWith: function (s, t) { return String(s).startsWith(t); }, endsWith: function (s, t) { return String(s).endsWith(t); },
    split: function (s, sep) { return String(s).split(sep); },
    replace: function (s, a, b) { return String(s).replace(a, b); },
    escapeRegExp: function (s) { return String(s).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'); },
    toString: function (v) { return v === null || v === undefined ? '' : String(v); },
    toNumber: function (v) { return Number(v); }, toInteger: function (v) { return Math.trunc(Number(v)) || 0; },
    parseInt: function (s, radix) { return parseInt(s, radix || 10); },
    now: function () { return Date.now(); },
    zipObject: function (ks, vs) { var out = {}; (ks || []).forEach(function (k, i) { out[k] = (vs || [])[i]; }); return out; },
    invert: function (o) { var out = {}; Object.keys(o || {}).forEach(function (k) { out[o[k]] = k; }); return out; },
    partition: function (c, f) { var fn = iteratee(f), yes = [], no = []; each(c, function (v, k, cc) { (fn(v, k, cc) ? yes : no).push(v); }); return [yes, no]; },
    meanBy: function (a, f) { var fn = iteratee(f); return a && a.length ? a.reduce(function (s, v) { return s + fn(v); }, 0) / a.length : NaN; },
    escape: function (s) { return String(s === undefined || s === null ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); },
    unescape: function (s) { return String(s === undefined || s === null ? '' : s).replace(/&(amp|lt|gt|quot|#39);/g, function (m, e) { return { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }[e]; }); },
    uniqueId: (function () { var n = 0; return function (p) { n += 1; return (p || '') + n; }; })(),
  };

  // ---- moment -------------------------------------------------------------------------------
  var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
    'November', 'December'];
  var DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  var UNITS = {
    y: 'year', year: 'year', years: 'year', Q: 'quarter', quarter: 'quarter', quarters: 'quarter',
    M: 'month', month: 'month', months: 'month', w: 'week', week: 'week', weeks: 'week',
    d: 'day', day: 'day', days: 'day', date: 'day', h: 'hour', hour: 'hour', hours: 'hour',
    m: 'minute', minute: 'minute', minutes: 'minute', s: 'second', second: 'second', seconds: 'second',
    ms: 'millisecond', millisecond: 'millisecond', milliseconds: 'millisecond',
  };
  function unitOf(u) {
    var unit = UNITS[u] || UNITS[String(u || '').toLowerCase()];
    if (!unit && u !== undefined) throw new Error('moment: unknown unit ' + JSON.stringify(u));
    return unit;
  }
  function pad(n, w) { var s = String(Math.abs(n)); while (s.length < w) s = '0' + s; return (n < 0 ? '-' : '') + s; }

  function Moment(ms, utc) {
    Object.defineProperty(this, '_d', { value: new Date(ms), writable: true });
    Object.defineProperty(this, '_utc', { value: !!utc, writable: true });
  }
  function g(m, part) { return m._d[(m._utc ? 'getUTC' : 'get') + part](); }
  function s(m, part, args) { return m._d[(m._utc ? 'setUTC' : 'set') + part].apply(m._d, args); }
  function offset(m) { return m._utc ? 0 : -m._d.getTimezoneOffset(); }
  function zone(m, sep) {
    var o = offset(m), sign = o < 0 ? '-' : '+';
    o = Math.abs(o);
    return sign + pad(Math.floor(o / 60), 2) + sep + pad(o % 60, 2);
  }
  function ordinal(n) {
    var b = n % 10, t = n % 100;
    return n + (t >= 11 && t <= 13 ? 'th' : b === 1 ? 'st' : b === 2 ? 'nd' : b === 3 ? 'rd' : 'th');
  }
  var TOKENS = /\[([^\]]*)]|YYYY|YY|Qo|Q|MMMM|MMM|MM|Mo|M|DDDD|DDD|DD|Do|D|dddd|ddd|dd|d|HH|H|hh|h|kk|k|mm|m|ss|s|SSS|SS|S|A|a|ZZ|Z|X|x|E|e|ww|w/g;
  function formatToken(m, t) {
    var h;
    switch (t) {
      case 'YYYY': return pad(g(m, 'FullYear'), 4);
      case 'YY': return pad(g(m, 'FullYear') % 100, 2);
      case 'Q': return String(Math.floor(g(m, 'Month') / 3) + 1);
      case 'Qo': return ordinal(Math.floor(g(m, 'Month') / 3) + 1);
      case 'MMMM': return MONTHS[g(m, 'Month')];
      case 'MMM': return MONTHS[g(m, 'Month')].slice(0, 3);
      case 'MM': return pad(g(m, 'Month') + 1, 2);
      case 'Mo': return ordinal(g(m, 'Month') + 1);
      case 'M': return String(g(m, 'Month') + 1);
      case 'DDDD': return pad(dayOfYear(m), 3);
      case 'DDD': return String(dayOfYear(m));
      case 'DD': return pad(g(m, 'Date'), 2);
      case 'Do': return ordinal(g(m, 'Date'));
      case 'D': return String(g(m, 'Date'));
      case 'dddd': return DAYS[g(m, 'Day')];
      case 'ddd': return DAYS[g(m, 'Day')].slice(0, 3);
      case 'dd': return DAYS[g(m, 'Day')].slice(0, 2);
      case 'd': case 'e': return String(g(m, 'Day'));
      case 'E': return String(g(m, 'Day') || 7);
      case 'HH': return pad(g(m, 'Hours'), 2);
      case 'H': return String(g(m, 'Hours'));
      case 'kk': return pad(g(m, 'Hours') || 24, 2);
      case 'k': return String(g(m, 'Hours') || 24);
      case 'hh': h = g(m, 'Hours') % 12 || 12; return pad(h, 2);
      case 'h': return String(g(m, 'Hours') % 12 || 12);
      case 'mm': return pad(g(m, 'Minutes'), 2);
      case 'm': return String(g(m, 'Minutes'));
      case 'ss': return pad(g(m, 'Seconds'), 2);
      case 's': return String(g(m, 'Seconds'));
      case 'SSS': return pad(g(m, 'Milliseconds'), 3);
      case 'SS': return pad(Math.floor(g(m, 'Milliseconds') / 10), 2);
      case 'S': return String(Math.floor(g(m, 'Milliseconds') / 100));
      case 'A': return g(m, 'Hours') < 12 ? 'AM' : 'PM';
      case 'a': return g(m, 'Hours') < 12 ? 'am' : 'pm';
      case 'ZZ': return zone(m, '');
      case 'Z': return zone(m, ':');
      case 'X': return String(Math.floor(m._d.getTime() / 1000));
      case 'x': return String(m._d.getTime());
      case 'w': case 'ww': return t === 'ww' ? pad(isoWeek(m), 2) : String(isoWeek(m));
    }
    return t;
  }
  function dayOfYear(m) {
    var start = Date.UTC(g(m, 'FullYear'), 0, 1);
    var now = Date.UTC(g(m, 'FullYear'), g(m, 'Month'), g(m, 'Date'));
    return Math.round((now - start) / 864e5) + 1;
  }
  function isoWeek(m) {
    var d = new Date(Date.UTC(g(m, 'FullYear'), g(m, 'Month'), g(m, 'Date')));
    var day = d.getUTCDay() || 7;
    d.setUTCDate(d.getUTCDate() + 4 - day);
    var yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
    return Math.ceil(((d - yearStart) / 864e5 + 1) / 7);
  }
  function addUnits(m, n, unit, sign) {
    if (typeof n === 'object' && n !== null) {
      Object.keys(n).forEach(function (k) { addUnits(m, n[k], k, sign); });
      return m;
    }
    if (typeof n === 'string' && typeof unit === 'number') { var t = n; n = unit; unit = t; }
    n = Number(n) * sign;
    var u = unitOf(unit || 'ms');
    if (u === 'year' || u === 'month' || u === 'quarter') {
      var months = u === 'year' ? 12 * n : u === 'quarter' ? 3 * n : n;
      var day = g(m, 'Date');
      s(m, 'Date', [1]);
      s(m, 'Month', [g(m, 'Month') + Math.trunc(months)]);
      var last = new Date(Date.UTC(g(m, 'FullYear'), g(m, 'Month') + 1, 0)).getUTCDate();
      s(m, 'Date', [Math.min(day, last)]);
    } else if (u === 'week' || u === 'day') {
      s(m, 'Date', [g(m, 'Date') + n * (u === 'week' ? 7 : 1)]);
    } else {
      var ms = { hour: 36e5, minute: 6e4, second: 1e3, millisecond: 1 }[u];
      m._d = new Date(m._d.getTime() + n * ms);
    }
    return m;
  }
  function monthDiff(a, b) {
    var whole = (g(b, 'FullYear') - g(a, 'FullYear')) * 12 + (g(b, 'Month') - g(a, 'Month'));
    var anchor = addUnits(a.clone(), whole, 'months', 1), anchor2, adjust;
    if (b.valueOf() - anchor.valueOf() < 0) {
      anchor2 = addUnits(a.clone(), whole - 1, 'months', 1);
      adjust = (b.valueOf() - anchor.valueOf()) / (anchor.valueOf() - anchor2.valueOf());
    } else {
      anchor2 = addUnits(a.clone(), whole + 1, 'months', 1);
      adjust = (b.valueOf() - anchor.valueOf()) / (anchor2.valueOf() - anchor.valueOf());
    }
    return -(whole + adjust) || 0;
  }
  function startOf(m, unit) {
    var u = unitOf(unit);
    switch (u) {
      case 'year': s(m, 'Month', [0]); /* falls through */
      case 'quarter': if (u === 'quarter') s(m, 'Month', [g(m, 'Month') - g(m, 'Month') % 3]); /* falls through */
      case 'month': s(m, 'Date', [1]); /* falls through */
      case 'week': if (u === 'week') s(m, 'Date', [g(m, 'Date') - g(m, 'Day')]); /* falls through */
      case 'day': s(m, 'Hours', [0]); /* falls through */
      case 'hour': s(m, 'Minutes', [0]); /* falls through */
      case 'minute': s(m, 'Seconds', [0]); /* falls through */
      case 'second': s(m, 'Milliseconds', [0]);
    }
    return m;
  }
  var momentProto = {
    clone: function () { return new Moment(this._d.getTime(), this._utc); },
    isValid: function () { return !isNaN(this._d.getTime()); },
    valueOf: function () { return this._d.getTime(); },
    unix: function () { return Math.floor(this._d.getTime() / 1000); },
    toDate: function () { return new Date(this._d.getTime()); },
    toISOString: function () { return this._d.toISOString(); },
    toJSON: function () { return this.isValid() ? this._d.toISOString() : null; },
    toString: function () { return this.isValid() ? this.clone().locale().format('ddd MMM DD YYYY HH:mm:ss [GMT]ZZ') : 'Invalid date'; },
    locale: function () { return this; },
    format: function (fmt) {
      if (!this.isValid()) return 'Invalid date';
      var self = this;
      fmt = fmt || (this._utc ? 'YYYY-MM-DDTHH:mm:ss[Z]' : 'YYYY-MM-DDTHH:mm:ssZ');
      return fmt.replace(TOKENS, function (t, literal) { return literal !== undefined ? literal : formatToken(self, t); });
    },
    add: function (n, unit) { return addUnits(this, n, unit, 1); },
    subtract: function (n, unit) { return addUnits(this, n, unit, -1); },
    diff: function (other, unit, asFloat) {
      var that = toMoment(other);
      var u = unit === undefined ? 'millisecond' : unitOf(unit);
      var out;
      if (u === 'year' || u === 'month' || u === 'quarter') {
        out = monthDiff(this, that);
        if (u === 'quarter') out /= 3;
        else if (u === 'year') out /= 12;
      } else {
        var delta = this.valueOf() - that.valueOf();
        var zoneDelta = (offset(that) - offset(this)) * 6e4;
        out = u === 'second' ? delta / 1e3 : u === 'minute' ? delta / 6e4 : u === 'hour' ? delta / 36e5
          : u === 'day' ? (delta - zoneDelta) / 864e5 : u === 'week' ? (delta - zoneDelta) / 6048e5 : delta;
      }
      return asFloat ? out : (out < 0 ? Math.ceil(out) || 0 : Math.floor(out));
    },
    isBefore: function (o, unit) { return unit ? startOf(this.clone(), unit).valueOf() < startOf(toMoment(o).clone(), unit).valueOf() : this.valueOf() < toMoment(o).valueOf(); },
    isAfter: function (o, unit) { return unit ? startOf(this.clone(), unit).valueOf() > startOf(toMoment(o).clone(), unit).valueOf() : this.valueOf() > toMoment(o).valueOf(); },
    isSame: function (o, unit) { return unit ? startOf(this.clone(), unit).valueOf() === startOf(toMoment(o).clone(), unit).valueOf() : this.valueOf() === toMoment(o).valueOf(); },
    isSameOrBefore: function (o, unit) { return this.isSame(o, unit) || this.isBefore(o, unit); },
    isSameOrAfter: function (o, unit) { return this.isSame(o, unit) || this.isAfter(o, unit); },
    isBetween: function (a, b, unit) { return this.isAfter(a, unit) && this.isBefore(b, unit); },
    startOf: function (unit) { return startOf(this, unit); },
    endOf: function (unit) {
      var u = unitOf(unit);
      startOf(this, u);
      addUnits(this, 1, u === 'day' ? 'days' : u, 1);
      return addUnits(this, -1, 'ms', 1);
    },
    utc: function () { this._utc = true; return this; },
    local: function () { this._utc = false; return this; },
    isUTC: function () { return this._utc; },
    utcOffset: function () { return offset(this); },
    daysInMonth: function () { return new Date(Date.UTC(g(this, 'FullYear'), g(this, 'Month') + 1, 0)).getUTCDate(); },
    dayOfYear: function () { return dayOfYear(this); },
    isoWeek: function () { return isoWeek(this); },
    week: function () { return isoWeek(this); },
    isLeapYear: function () { var y = g(this, 'FullYear'); return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; },
    fromNow: function () {
      var secs = Math.round((Date.now() - this.valueOf()) / 1000), abs = Math.abs(secs), text;
      if (abs < 45) text = 'a few seconds';
      else if (abs < 5400) text = Math.max(1, Math.round(abs / 60)) + ' minutes';
      else if (abs < 79200) text = Math.round(abs / 3600) + ' hours';
      else text = Math.round(abs / 86400) + ' days';
      return secs >= 0 ? text + ' ago' : 'in ' + text;
    },
  };
  [['year', 'FullYear'], ['month', 'Month'], ['date', 'Date'], ['hour', 'Hours'], ['hours', 'Hours'],
    ['minute', 'Minutes'], ['minutes', 'Minutes'], ['second', 'Seconds'], ['seconds', 'Seconds'],
    ['millisecond', 'Milliseconds'], ['milliseconds', 'Milliseconds']].forEach(function (pair) {
    momentProto[pair[0]] = function (v) {
      if (v === undefined) return g(this, pair[1]);
      s(this, pair[1], [v]);
      return this;
    };
  });
  momentProto.day = function (v) {
    if (v === undefined) return g(this, 'Day');
    return addUnits(this, v - g(this, 'Day'), 'days', 1);
  };
  momentProto.weekday = momentProto.day;
  momentProto.years = momentProto.year;
  momentProto.months = momentProto.month;
  momentProto.dates = momentProto.date;
  Moment.prototype = momentProto;

  var FORMAT_PARTS = {
    YYYY: ['(\\d{4})', 'year'], YY: ['(\\d{2})', 'year2'], MM: ['(\\d{1,2})', 'month'], M: ['(\\d{1,2})', 'month'],
    DD: ['(\\d{1,2})', 'day'], D: ['(\\d{1,2})', 'day'], HH: ['(\\d{1,2})', 'hour'], H: ['(\\d{1,2})', 'hour'],
    hh: ['(\\d{1,2})', 'hour'], h: ['(\\d{1,2})', 'hour'], mm: ['(\\d{1,2})', 'minute'], m: ['(\\d{1,2})', 'minute'],
    ss: ['(\\d{1,2})', 'second'], s: ['(\\d{1,2})', 'second'], SSS: ['(\\d{1,3})', 'ms'],
    A: ['(AM|PM|am|pm)', 'ampm'], a: ['(AM|PM|am|pm)', 'ampm'], X: ['(\\d+)', 'unix'], x: ['(\\d+)', 'unixms'],
  };
  function parseFormat(text, fmt, utc) {
    var names = [];
    var re = fmt.replace(/\[([^\]]*)]|YYYY|YY|SSS|MM|M|DD|D|HH|H|hh|h|mm|m|ss|s|A|a|X|x|[.*+?^${}()|\\]/g, function (t, lit) {
      if (lit !== undefined) return lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (FORMAT_PARTS[t]) { names.push(FORMAT_PARTS[t][1]); return FORMAT_PARTS[t][0]; }
      return '\\' + t;
    });
    var found = new RegExp('^' + re).exec(String(text));
    if (!found) return NaN;
    var p = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
    names.forEach(function (n, i) {
      var v = found[i + 1];
      if (n === 'ampm') p.pm = /pm/i.test(v);
      else if (n === 'year2') p.year = Number(v) + (Number(v) > 68 ? 1900 : 2000);
      else p[n] = Number(v);
    });
    if (p.unix !== undefined) return p.unix * 1000;
    if (p.unixms !== undefined) return p.unixms;
    if (p.pm !== undefined) p.hour = (p.hour % 12) + (p.pm ? 12 : 0);
    var args = [p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.ms];
    return utc ? Date.UTC.apply(null, args) : new Date(args[0], args[1], args[2], args[3], args[4], args[5], args[6]).getTime();
  }
  function parseInput(input, fmt, utc) {
    if (input === undefined || input === null) return input === null ? NaN : Date.now();
    if (input instanceof Moment) return input.valueOf();
    if (input instanceof Date) return input.getTime();
    if (typeof input === 'number') return input;
    if (Array.isArray(input)) {
      var a = [0, 0, 1, 0, 0, 0, 0].map(function (d, i) { return input[i] === undefined ? d : input[i]; });
      return utc ? Date.UTC.apply(null, a) : new Date(a[0], a[1], a[2], a[3], a[4], a[5], a[6]).getTime();
    }
    if (typeof input === 'object') {
      return parseInput([input.year || input.y, input.month || input.M || 0, input.date || input.day || input.d || 1,
        input.hour || input.h || 0, input.minute || input.m || 0, input.second || input.s || 0, input.millisecond || input.ms || 0], null, utc);
    }
    if (fmt) return parseFormat(input, Array.isArray(fmt) ? fmt[0] : fmt, utc);
    var text = String(input).trim();
    var local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/.exec(text);
    if (local) {
      var parts = local.slice(1).map(function (v) { return v === undefined ? 0 : Number(v); });
      if (local[7]) parts[6] = Number((local[7] + '00').slice(0, 3));
      var ymd = [parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], parts[6]];
      return utc ? Date.UTC.apply(null, ymd) : new Date(ymd[0], ymd[1], ymd[2], ymd[3], ymd[4], ymd[5], ymd[6]).getTime();
    }
    return Date.parse(text.replace(' ', 'T'));
  }
  function toMoment(v) { return v instanceof Moment ? v : moment(v); }
  function moment(input, fmt) { return new Moment(parseInput(input, fmt, false), false); }
  moment.utc = function (input, fmt) { return new Moment(parseInput(input, fmt, true), true); };
  moment.unix = function (seconds) { return new Moment(seconds * 1000, false); };
  moment.isMoment = function (v) { return v instanceof Moment; };
  moment.isDate = function (v) { return v instanceof Date; };
  moment.now = function () { return Date.now(); };
  moment.min = function () { var a = Array.isArray(arguments[0]) ? arguments[0] : Array.prototype.slice.call(arguments); return a.reduce(function (x, y) { return y.isBefore(x) ? y : x; }); };
  moment.max = function () { var a = Array.isArray(arguments[0]) ? arguments[0] : Array.prototype.slice.call(arguments); return a.reduce(function (x, y) { return y.isAfter(x) ? y : x; }); };
  moment.ISO_8601 = 'YYYY-MM-DDTHH:mm:ss';
  moment.locale = function () { return 'en'; };
  moment.duration = function () { throw new Error('moment.duration is not provided by the qaflow sandbox'); };

  // ---- uuid ---------------------------------------------------------------------------------
  var uuid = {
    v4: function () { return __qaflow_bytes.uuid4(); },
    validate: function (s) { return /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(String(s)); },
    NIL: '00000000-0000-0000-0000-000000000000',
  };
  uuid.v1 = uuid.v4;

  // ---- crypto-js ----------------------------------------------------------------------------
  var B = __qaflow_bytes;
  function WordArray(bytes) { Object.defineProperty(this, '_bytes', { value: bytes }); this.sigBytes = bytes.length; }
  var Hex = {
    stringify: function (wa) { return B.hex(wa._bytes); },
    parse: function (text) { return new WordArray(B.fromHex(String(text).toLowerCase())); },
  };
  var Utf8 = {
    stringify: function (wa) { return B.fromUtf8(wa._bytes); },
    parse: function (text) { return new WordArray(B.utf8(String(text))); },
  };
  var Latin1 = {
    stringify: function (wa) { return B.latin1(wa._bytes); },
    parse: function (text) { return new WordArray(B.fromLatin1(String(text))); },
  };
  var Base64 = {
    stringify: function (wa) { return B.base64(wa._bytes); },
    parse: function (text) { return new WordArray(B.fromBase64(String(text))); },
  };
  WordArray.prototype = {
    toString: function (encoder) { return (encoder || Hex).stringify(this); },
    concat: function (other) { return new WordArray(this._bytes.concat(other._bytes)); },
    clone: function () { return new WordArray(this._bytes.slice()); },
  };
  function bytesOf(v) { return v instanceof WordArray ? v._bytes : B.utf8(v === undefined || v === null ? '' : String(v)); }
  WordArray.random = function (n) { var b = []; for (var i = 0; i < n; i++) b.push(Math.floor(Math.random() * 256)); return new WordArray(b); };
  WordArray.create = function (bytes) { return new WordArray(Array.isArray(bytes) ? bytes.slice() : []); };
  var CryptoJS = { enc: { Hex: Hex, Utf8: Utf8, Latin1: Latin1, Base64: Base64 }, lib: { WordArray: WordArray } };
  B.algorithms.forEach(function (alg) {
    CryptoJS[alg] = function (message) { return new WordArray(B.digest(alg, bytesOf(message))); };
    CryptoJS['Hmac' + alg] = function (message, key) { return new WordArray(B.hmac(alg, bytesOf(key), bytesOf(message))); };
  });
  ['AES', 'DES', 'TripleDES', 'Rabbit', 'RC4'].forEach(function (name) {
    CryptoJS[name] = {
      encrypt: function () { throw new Error('CryptoJS.' + name + ' is not provided by the qaflow sandbox (hashes, HMAC and encoders are)'); },
      decrypt: function () { throw new Error('CryptoJS.' + name + ' is not provided by the qaflow sandbox (hashes, HMAC and encoders are)'); },
    };
  });

  // ---- JSON Schema (the keywords collections use; drafts 4 to 2020-12 alike) ------------------
  function schemaErrors(data, schema) {
    var errors = [];
    var root = schema;
    function ref(r) {
      if (typeof r !== 'string' || r.charAt(0) !== '#') throw new Error('only local $ref is supported: ' + r);
      return r.slice(1).split('/').filter(Boolean).reduce(function (o, k) {
        return o === undefined ? undefined : o[k.replace(/~1/g, '/').replace(/~0/g, '~')];
      }, root);
    }
    function typeOk(v, t) {
      switch (t) {
        case 'null': return v === null;
        case 'array': return Array.isArray(v);
        case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
        case 'integer': return typeof v === 'number' && Math.floor(v) === v;
        case 'number': return typeof v === 'number';
        case 'string': return typeof v === 'string';
        case 'boolean': return typeof v === 'boolean';
      }
      return true;
    }
    function check(v, s, path, out) {
      if (s === true || s === undefined || s === null) return;
      if (s === false) { out.push(path + ': no value is allowed here'); return; }
      if (s.$ref) { var target = ref(s.$ref); if (target === undefined) out.push(path + ': unresolved $ref ' + s.$ref); else check(v, target, path, out); }
      if (s.type !== undefined) {
        var types = Array.isArray(s.type) ? s.type : [s.type];
        if (!types.some(function (t) { return typeOk(v, t); })) { out.push(path + ': ' + JSON.stringify(v) + ' is not of type ' + types.join(', ')); return; }
      }
      if (s.enum && !s.enum.some(function (e) { return __qaflow_chai.deepEqual(e, v); })) out.push(path + ': ' + JSON.stringify(v) + ' is not one of ' + JSON.stringify(s.enum));
      if (s.const !== undefined && !__qaflow_chai.deepEqual(s.const, v)) out.push(path + ': ' + JSON.stringify(v) + ' should be ' + JSON.stringify(s.const));
      if (typeof v === 'number') {
        if (s.minimum !== undefined && (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum)) out.push(path + ': ' + v + ' is less than the minimum ' + s.minimum);
        if (s.maximum !== undefined && (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum)) out.push(path + ': ' + v + ' is more than the maximum ' + s.maximum);
        if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) out.push(path + ': ' + v + ' is not above ' + s.exclusiveMinimum);
        if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) out.push(path + ': ' + v + ' is not below ' + s.exclusiveMaximum);
        if (s.multipleOf && Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9) out.push(path + ': ' + v + ' is not a multiple of ' + s.multipleOf);
      }
      if (typeof v === 'string') {
        var len = Array.from(v).length;
        if (s.minLength !== undefined && len < s.minLength) out.push(path + ': ' + JSON.stringify(v) + ' is shorter than ' + s.minLength);
        if (s.maxLength !== undefined && len > s.maxLength) out.push(path + ': ' + JSON.stringify(v) + ' is longer than ' + s.maxLength);
        if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) out.push(path + ': ' + JSON.stringify(v) + ' does not match ' + s.pattern);
      }
      if (Array.isArray(v)) {
        if (s.minItems !== undefined && v.length < s.minItems) out.push(path + ': expected at least ' + s.minItems + ' items');
        if (s.maxItems !== undefined && v.length > s.maxItems) out.push(path + ': expected at most ' + s.maxItems + ' items');
        if (s.uniqueItems) {
          for (var i = 0; i < v.length; i++) for (var j = i + 1; j < v.length; j++) {
            if (__qaflow_chai.deepEqual(v[i], v[j])) { out.push(path + ': items ' + i + ' and ' + j + ' are equal'); i = v.length; break; }
          }
        }
        var tuple = Array.isArray(s.items) ? s.items : s.prefixItems;
        if (tuple) tuple.forEach(function (sub, n) { if (n < v.length) check(v[n], sub, path + '/' + n, out); });
        var rest = Array.isArray(s.items) ? s.additionalItems : (s.prefixItems ? s.items : s.items);
        var from = tuple ? tuple.length : 0;
        if (rest !== undefined) for (var k = from; k < v.length; k++) check(v[k], rest, path + '/' + k, out);
        if (s.contains !== undefined && !v.some(function (item) { var e = []; check(item, s.contains, path, e); return e.length === 0; })) out.push(path + ': no item matches "contains"');
      }
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        var keys = Object.keys(v);
        (s.required || []).forEach(function (name) { if (!Object.prototype.hasOwnProperty.call(v, name)) out.push(path + ': missing required property ' + JSON.stringify(name)); });
        if (s.minProperties !== undefined && keys.length < s.minProperties) out.push(path + ': expected at least ' + s.minProperties + ' properties');
        if (s.maxProperties !== undefined && keys.length > s.maxProperties) out.push(path + ': expected at most ' + s.maxProperties + ' properties');
        var props = s.properties || {};
        keys.forEach(function (name) {
          var matched = false;
          if (Object.prototype.hasOwnProperty.call(props, name)) { matched = true; check(v[name], props[name], path + '/' + name, out); }
          Object.keys(s.patternProperties || {}).forEach(function (p) {
            if (new RegExp(p, 'u').test(name)) { matched = true; check(v[name], s.patternProperties[p], path + '/' + name, out); }
          });
          if (!matched && s.additionalProperties !== undefined) {
            if (s.additionalProperties === false) out.push(path + ': additional property ' + JSON.stringify(name) + ' is not allowed');
            else check(v[name], s.additionalProperties, path + '/' + name, out);
          }
        });
      }
      if (s.allOf) s.allOf.forEach(function (sub) { check(v, sub, path, out); });
      var passing = function (list) { return list.filter(function (sub) { var e = []; check(v, sub, path, e); return e.length === 0; }).length; };
      if (s.anyOf && passing(s.anyOf) === 0) out.push(path + ': matches none of anyOf');
      if (s.oneOf && passing(s.oneOf) !== 1) out.push(path + ': matches ' + passing(s.oneOf) + ' of oneOf, expected exactly 1');
      if (s.not !== undefined && passing([s.not]) === 1) out.push(path + ': matches the schema in "not"');
    }
    check(data, schema, '(root)', errors);
    return errors;
  }

  // ---- tv4 ----------------------------------------------------------------------------------
  var lastError = null;  // kept in the closure: the library object itself is frozen
  var tv4 = {
    get error() { return lastError; },
    missing: [],
    validate: function (data, schema) {
      var errors = schemaErrors(data, schema);
      lastError = errors.length ? { message: errors[0] } : null;
      return errors.length === 0;
    },
    validateResult: function (data, schema) {
      var ok = tv4.validate(data, schema);
      return { valid: ok, error: lastError, missing: [] };
    },
    validateMultiple: function (data, schema) {
      var errors = schemaErrors(data, schema);
      return { valid: errors.length === 0, errors: errors.map(function (e) { return { message: e }; }), missing: [] };
    },
  };

  // ---- ajv (the calls collections make, over the same JSON Schema checks as tv4) --------------
  function Ajv() { if (!(this instanceof Ajv)) return new Ajv(); this.errors = null; }
  Ajv.prototype = {
    compile: function (schema) {
      var validate = function (data) {
        var errors = schemaErrors(data, schema);
        validate.errors = errors.length ? errors.map(function (e) { return { message: e, instancePath: e.split(':')[0] }; }) : null;
        return errors.length === 0;
      };
      validate.errors = null;
      validate.schema = schema;
      return validate;
    },
    validate: function (schema, data) {
      var v = this.compile(schema), ok = v(data);
      this.errors = v.errors;
      return ok;
    },
    errorsText: function (errors) {
      errors = errors === undefined ? this.errors : errors;
      return errors && errors.length ? errors.map(function (e) { return e.message; }).join(', ') : 'No errors';
    },
    addSchema: function () { return this; },
    addFormat: function () { return this; },
    addKeyword: function (name) {
      throw new Error("ajv.addKeyword('" + name + "') is not provided by the qaflow sandbox: custom keywords cannot be checked");
    },
  };
  Ajv.default = Ajv;

  // ---- Buffer (from/toString in utf8, base64, hex, latin1: what collections do with it) -------
  function bytesFrom(value, encoding) {
    if (value instanceof Buffer) return value._bytes.slice();
    if (Array.isArray(value)) return value.map(function (b) { return b & 255; });
    if (value instanceof ArrayBuffer) value = new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return Array.prototype.slice.call(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    var text = String(value === undefined || value === null ? '' : value);
    switch (String(encoding || 'utf8').toLowerCase()) {
      case 'utf8': case 'utf-8': return B.utf8(text);
      case 'base64': case 'base64url': return B.fromBase64(text.replace(/-/g, '+').replace(/_/g, '/').replace(/[^A-Za-z0-9+/]/g, ''));
      case 'hex': return B.fromHex(text.toLowerCase());
      case 'latin1': case 'binary': case 'ascii': return B.fromLatin1(text);
    }
    throw new TypeError('Unknown encoding: ' + encoding);
  }
  function Buffer(value, encoding) {
    // `new Buffer(x)` (deprecated in Node, still in collections) and `Buffer.from(x)` alike
    if (!(this instanceof Buffer)) return new Buffer(value, encoding);
    this._bytes = typeof value === 'number' ? new Array(value).fill(0) : bytesFrom(value, encoding);
    this.length = this._bytes.length;
  }
  Buffer.from = function (value, encoding) { return new Buffer(value, encoding); };
  Buffer.alloc = function (n, fill) { var b = new Buffer(n); if (fill !== undefined) b._bytes.fill(typeof fill === 'number' ? fill & 255 : String(fill).charCodeAt(0) & 255); return b; };
  Buffer.isBuffer = function (v) { return v instanceof Buffer; };
  Buffer.byteLength = function (value, encoding) { return bytesFrom(value, encoding).length; };
  Buffer.concat = function (list) { return new Buffer([].concat.apply([], list.map(function (b) { return bytesFrom(b); }))); };
  Buffer.prototype = {
    constructor: Buffer,
    toString: function (encoding) {
      switch (String(encoding || 'utf8').toLowerCase()) {
        case 'utf8': case 'utf-8': return B.fromUtf8(this._bytes);
        case 'base64': return B.base64(this._bytes);
        case 'base64url': return B.base64(this._bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        case 'hex': return B.hex(this._bytes);
        case 'latin1': case 'binary': case 'ascii': return B.latin1(this._bytes);
      }
      throw new TypeError('Unknown encoding: ' + encoding);
    },
    toJSON: function () { return { type: 'Buffer', data: this._bytes.slice() }; },
    equals: function (other) { return this.toString('hex') === bytesFrom(other).map(function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join(''); },
    slice: function (a, b) { return new Buffer(this._bytes.slice(a, b)); },
    subarray: function (a, b) { return new Buffer(this._bytes.slice(a, b)); },
  };

  // ---- xml2Json: Postman's (xml2js with explicitArray: false, trim: true; attributes under `$`,
  // text beside children or attributes under `_`); undefined for text that is not XML, as there
  function xml2Json(input) {
    var s = String(input), pos = 0;
    var NAME = /[^\s/>=]+/y, ATTR = /\s*([^\s/>=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
    var ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    function fail(message) { throw new SyntaxError(message); }
    function decode(t) {
      return t.replace(/&(?:#x([0-9a-fA-F]+)|#(\d+)|(lt|gt|amp|quot|apos));/g, function (m, hx, dec, name) {
        return hx ? String.fromCodePoint(parseInt(hx, 16)) : dec ? String.fromCodePoint(parseInt(dec, 10)) : ENTITIES[name];
      });
    }
    function past(marker, what) { var e = s.indexOf(marker, pos); if (e < 0) fail('unclosed ' + what); pos = e + marker.length; }
    function misc() {
      for (;;) {
        while (pos < s.length && /\s/.test(s[pos])) pos++;
        if (s.startsWith('<?', pos)) past('?>', 'processing instruction');
        else if (s.startsWith('<!--', pos)) past('-->', 'comment');
        else if (/^<!DOCTYPE/i.test(s.slice(pos, pos + 9))) past('>', 'DOCTYPE');
        else return;
      }
    }
    function add(node, key, value) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) node[key] = value;
      else if (Array.isArray(node[key])) node[key].push(value);
      else node[key] = [node[key], value];
    }
    function element() {
      if (s[pos] !== '<') fail('expected a tag at ' + pos);
      NAME.lastIndex = pos + 1;
      var m = NAME.exec(s);
      if (!m) fail('bad tag name at ' + pos);
      var name = m[0], attrs = null, node = {}, text = '', children = false, a;
      pos = NAME.lastIndex;
      for (;;) {
        ATTR.lastIndex = pos;
        if (!(a = ATTR.exec(s))) break;
        (attrs = attrs || {})[a[1]] = decode(a[2] !== undefined ? a[2] : a[3]);
        pos = ATTR.lastIndex;
      }
      while (pos < s.length && /\s/.test(s[pos])) pos++;
      if (attrs) node.$ = attrs;
      if (s.startsWith('/>', pos)) { pos += 2; return [name, attrs ? node : '']; }
      if (s[pos] !== '>') fail("malformed tag '" + name + "'");
      pos += 1;
      for (;;) {
        if (pos >= s.length) fail("unclosed tag '" + name + "'");
        if (s.startsWith('</', pos)) {
          var end = s.indexOf('>', pos), closing = s.slice(pos + 2, end < 0 ? s.length : end).trim();
          if (end < 0 || closing !== name) fail("unexpected closing tag '" + closing + "' in '" + name + "'");
          pos = end + 1;
          break;
        }
        if (s.startsWith('<!--', pos)) past('-->', 'comment');
        else if (s.startsWith('<![CDATA[', pos)) { var c = s.indexOf(']]>', pos); if (c < 0) fail('unclosed CDATA'); text += s.slice(pos + 9, c); pos = c + 3; }
        else if (s.startsWith('<?', pos)) past('?>', 'processing instruction');
        else if (s[pos] === '<') { var child = element(); children = true; add(node, child[0], child[1]); }
        else { var lt = s.indexOf('<', pos); if (lt < 0) lt = s.length; text += decode(s.slice(pos, lt)); pos = lt; }
      }
      text = text.trim();
      if (!children && !attrs) return [name, text];
      if (text) node._ = text;
      return [name, node];
    }
    try {
      misc();
      var root = element();
      misc();
      if (pos < s.length) fail('text after the root element');
      var out = {};
      out[root[0]] = root[1];
      return out;
    } catch (e) {
      if (e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  return { lodash: lodash, moment: moment, uuid: uuid, CryptoJS: CryptoJS, tv4: tv4, schemaErrors: schemaErrors,
    Ajv: Ajv, Buffer: Buffer, xml2Json: xml2Json };
})();

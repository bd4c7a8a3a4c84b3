// The chai BDD chains Postman scripts use (`pm.expect(x).to.have.property('a').that.is.a('string')`),
// written for qaflow's sandbox. Messages follow chai's wording so a report reads like Newman's.
// Loaded once per JavaScript context; everything it defines is frozen with the intrinsics.
'use strict';

var __qaflow_chai = (function () {
  function AssertionError(message) {
    var error = new Error(message);
    Object.defineProperty(error, 'name', { value: 'AssertionError' });
    return error;
  }

  function typeOf(value) {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'array';
    if (value instanceof Date) return 'date';
    if (value instanceof RegExp) return 'regexp';
    if (value instanceof Error) return 'error';
    if (value instanceof Map) return 'map';
    if (value instanceof Set) return 'set';
    if (value instanceof Promise) return 'promise';
    var t = typeof value;
    return t;
  }

  function inspect(value, depth) {
    depth = depth === undefined ? 2 : depth;
    var t = typeOf(value);
    if (t === 'string') return "'" + value.replace(/'/g, "\\'") + "'";
    if (t === 'number') return Object.is(value, -0) ? '-0' : String(value);
    if (t === 'undefined' || t === 'null' || t === 'boolean' || t === 'bigint') return String(value);
    if (t === 'function') return '[Function' + (value.name ? ': ' + value.name : '') + ']';
    if (t === 'date') return isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (t === 'regexp') return String(value);
    if (t === 'error') return value.name + ': ' + value.message;
    if (t === 'array') {
      if (value.length === 0) return '[]';
      if (depth < 0) return '[Array]';
      var items = value.slice(0, 20).map(function (v) { return inspect(v, depth - 1); });
      if (value.length > 20) items.push('... ' + (value.length - 20) + ' more items');
      return '[ ' + items.join(', ') + ' ]';
    }
    if (t === 'map' || t === 'set') return t === 'map' ? 'Map{}' : 'Set{}';
    var keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    if (depth < 0) return '[Object]';
    var parts = keys.slice(0, 20).map(function (k) {
      var name = /^[A-Za-z_$][\w$]*$/.test(k) ? k : "'" + k + "'";
      return name + ': ' + inspect(value[k], depth - 1);
    });
    if (keys.length > 20) parts.push('...');
    return '{ ' + parts.join(', ') + ' }';
  }

  function deepEqual(a, b, seen) {
    if (a === b) return a !== 0 || 1 / a === 1 / b;
    if (a !== a && b !== b) return true; // NaN
    var ta = typeOf(a);
    if (ta !== typeOf(b)) return false;
    if (ta === 'date') return a.getTime() === b.getTime();
    if (ta === 'regexp') return String(a) === String(b);
    if (ta !== 'object' && ta !== 'array' && ta !== 'error' && ta !== 'map' && ta !== 'set') return false;
    seen = seen || [];
    for (var i = 0; i < seen.length; i++) if (seen[i][0] === a && seen[i][1] === b) return true;
    seen.push([a, b]);
    if (ta === 'map' || ta === 'set') {
      return deepEqual(Array.from(a.entries ? a.entries() : a), Array.from(b.entries ? b.entries() : b), seen);
    }
    if (ta === 'array') {
      if (a.length !== b.length) return false;
      for (var j = 0; j < a.length; j++) if (!deepEqual(a[j], b[j], seen)) return false;
      return true;
    }
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    var ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    if (ka.length !== kb.length) return false;
    for (var k = 0; k < ka.length; k++) {
      if (ka[k] !== kb[k]) return false;
      if (!deepEqual(a[ka[k]], b[kb[k]], seen)) return false;
    }
    return true;
  }

  function pathValue(obj, path) {
    var parts = String(path).replace(/\[(\w+)\]/g, '.$1').split('.').filter(function (p) { return p !== ''; });
    var cur = obj;
    for (var i = 0; i < parts.length; i++) {
      if (cur === null || cur === undefined) return { exists: false };
      if (!(parts[i] in Object(cur))) return { exists: false };
      cur = cur[parts[i]];
    }
    return { exists: true, value: cur };
  }

  function Assertion(obj, message) {
    Object.defineProperty(this, '__flags', { value: { object: obj, message: message }, enumerable: false });
  }

  function flag(a, name, value) {
    if (arguments.length === 3) { a.__flags[name] = value; return a; }
    return a.__flags[name];
  }

  function assert(a, ok, positive, negative, expected, actual, showDiff) {
    var negate = flag(a, 'negate');
    var pass = negate ? !ok : !!ok;
    if (!pass) {
      var text = negate ? negative : positive;
      text = text
        .replace(/#\{this\}/g, function () { return inspect(flag(a, 'object')); })
        .replace(/#\{act\}/g, function () { return inspect(actual); })
        .replace(/#\{exp\}/g, function () { return inspect(expected); });
      var prefix = flag(a, 'message');
      throw AssertionError(prefix ? prefix + ': ' + text : text);
    }
  }

  var chains = ['to', 'be', 'been', 'is', 'that', 'which', 'and', 'has', 'have', 'with', 'at', 'of', 'same', 'but',
    'does', 'still', 'also'];
  var proto = {};
  chains.forEach(function (name) {
    Object.defineProperty(proto, name, { get: function () { return this; }, configurable: false });
  });

  function property(name, fn) {
    Object.defineProperty(proto, name, { get: function () { fn.call(this); return this; }, configurable: false });
  }
  function method(name, fn) {
    Object.defineProperty(proto, name, {
      value: function () { var r = fn.apply(this, arguments); return r === undefined ? this : r; },
      writable: false, configurable: false,
    });
  }
  function chainable(name, fn, chainingBehavior) {
    Object.defineProperty(proto, name, {
      get: function () {
        var self = this;
        if (chainingBehavior) chainingBehavior.call(self);
        var callable = function () { var r = fn.apply(self, arguments); return r === undefined ? self : r; };
        Object.setPrototypeOf(callable, self);
        delete callable.length;
        delete callable.name;
        return callable;
      },
      configurable: false,
    });
  }
  function flagProperty(name, key) {
    Object.defineProperty(proto, name, { get: function () { flag(this, key, true); return this; }, configurable: false });
  }

  flagProperty('not', 'negate');
  flagProperty('deep', 'deep');
  flagProperty('own', 'own');
  flagProperty('nested', 'nested');
  flagProperty('any', 'any');
  flagProperty('all', 'all');
  flagProperty('ordered', 'ordered');

  function aType(type) {
    var expected = String(type).toLowerCase();
    var actual = typeOf(flag(this, 'object'));
    var article = /^[aeiou]/.test(expected) ? 'an ' : 'a ';
    assert(this, actual === expected, 'expected #{this} to be ' + article + expected,
      'expected #{this} not to be ' + article + expected);
  }
  chainable('a', aType);
  chainable('an', aType);

  function include(value) {
    var obj = flag(this, 'object');
    var deep = flag(this, 'deep');
    var t = typeOf(obj);
    var ok;
    var desc = deep ? 'deep include' : 'include';
    if (t === 'string') ok = obj.indexOf(value) !== -1;
    else if (t === 'array') ok = obj.some(function (item) { return deep ? deepEqual(item, value) : item === value; });
    else if (t === 'map' || t === 'set') ok = Array.from(obj.values()).some(function (item) { return deep ? deepEqual(item, value) : item === value; });
    else if (t === 'object' && value !== null && typeof value === 'object') {
      ok = Object.keys(value).every(function (k) {
        return k in obj && (deep ? deepEqual(obj[k], value[k]) : obj[k] === value[k]);
      });
    } else {
      throw AssertionError('object tested must be an array, a map, an object, a set, a string, or a weakset, but ' +
        t + ' given');
    }
    assert(this, ok, 'expected #{this} to ' + desc + ' #{exp}', 'expected #{this} to not ' + desc + ' #{exp}', value);
  }
  function containsFlag() { flag(this, 'contains', true); }
  ['include', 'includes', 'contain', 'contains'].forEach(function (n) { chainable(n, include, containsFlag); });

  property('ok', function () {
    var obj = flag(this, 'object');
    if (obj && obj.__qaflowResponse) {
      assert(this, obj.code === 200, 'expected response code to be 200 but found ' + obj.code,
        'expected response code to not be 200');
      return;
    }
    assert(this, obj, 'expected #{this} to be truthy', 'expected #{this} to be falsy');
  });
  property('true', function () {
    assert(this, flag(this, 'object') === true, 'expected #{this} to be true', 'expected #{this} to be false');
  });
  property('false', function () {
    assert(this, flag(this, 'object') === false, 'expected #{this} to be false', 'expected #{this} to be true');
  });
  property('null', function () {
    assert(this, flag(this, 'object') === null, 'expected #{this} to be null', 'expected #{this} not to be null');
  });
  property('undefined', function () {
    assert(this, flag(this, 'object') === undefined, 'expected #{this} to be undefined',
      'expected #{this} not to be undefined');
  });
  property('NaN', function () {
    var o = flag(this, 'object');
    assert(this, typeof o === 'number' && o !== o, 'expected #{this} to be NaN', 'expected #{this} not to be NaN');
  });
  property('exist', function () {
    var o = flag(this, 'object');
    assert(this, o !== null && o !== undefined, 'expected #{this} to exist', 'expected #{this} to not exist');
  });
  property('empty', function () {
    var o = flag(this, 'object');
    var t = typeOf(o);
    var size;
    if (t === 'string' || t === 'array') size = o.length;
    else if (t === 'map' || t === 'set') size = o.size;
    else if (t === 'object') size = Object.keys(o).length;
    else throw AssertionError('.empty was passed non-string primitive ' + inspect(o));
    assert(this, size === 0, 'expected #{this} to be empty', 'expected #{this} not to be empty');
  });

  function equal(value) {
    var obj = flag(this, 'object');
    if (flag(this, 'deep')) {
      assert(this, deepEqual(obj, value), 'expected #{this} to deeply equal #{exp}',
        'expected #{this} to not deeply equal #{exp}', value, obj, true);
      return;
    }
    if (flag(this, 'doLength')) obj = lengthOf(obj);
    assert(this, obj === value, 'expected #{this} to equal #{exp}', 'expected #{this} to not equal #{exp}', value, obj, true);
  }
  ['equal', 'equals', 'eq'].forEach(function (n) { method(n, equal); });
  function eql(value) {
    var obj = flag(this, 'object');
    assert(this, deepEqual(obj, value), 'expected #{this} to deeply equal #{exp}',
      'expected #{this} to not deeply equal #{exp}', value, obj, true);
  }
  method('eql', eql);
  method('eqls', eql);

  function lengthOf(obj) {
    var t = typeOf(obj);
    if (t === 'map' || t === 'set') return obj.size;
    if (obj === null || obj === undefined || obj.length === undefined) {
      throw AssertionError('expected ' + inspect(obj) + ' to have property \'length\'');
    }
    return obj.length;
  }

  function compare(name, test, words) {
    method(name, function (n) {
      var obj = flag(this, 'object');
      if (flag(this, 'doLength')) {
        var len = lengthOf(obj);
        assert(this, test(len, n), 'expected #{this} to have a length ' + words + ' #{exp} but got #{act}',
          'expected #{this} to not have a length ' + words + ' #{exp}', n, len);
        return;
      }
      if (typeof obj !== 'number' && !(obj instanceof Date)) {
        throw AssertionError('expected ' + inspect(obj) + ' to be a number or a date');
      }
      assert(this, test(obj, n), 'expected #{this} to be ' + words + ' #{exp}', 'expected #{this} to be not ' + words + ' #{exp}', n);
    });
  }
  ['above', 'gt', 'greaterThan'].forEach(function (n) { compare(n, function (a, b) { return a > b; }, 'above'); });
  ['least', 'gte', 'greaterThanOrEqual'].forEach(function (n) { compare(n, function (a, b) { return a >= b; }, 'at least'); });
  ['below', 'lt', 'lessThan'].forEach(function (n) { compare(n, function (a, b) { return a < b; }, 'below'); });
  ['most', 'lte', 'lessThanOrEqual'].forEach(function (n) { compare(n, function (a, b) { return a <= b; }, 'at most'); });
  method('within', function (lo, hi) {
    var obj = flag(this, 'object');
    var v = flag(this, 'doLength') ? lengthOf(obj) : obj;
    var range = lo + '..' + hi;
    assert(this, v >= lo && v <= hi, 'expected #{this} to be within ' + range, 'expected #{this} to not be within ' + range);
  });
  function closeTo(expected, delta) {
    var obj = flag(this, 'object');
    assert(this, Math.abs(obj - expected) <= delta, 'expected #{this} to be close to ' + expected + ' +/- ' + delta,
      'expected #{this} not to be close to ' + expected + ' +/- ' + delta);
  }
  method('closeTo', closeTo);
  method('approximately', closeTo);

  method('oneOf', function (list) {
    var obj = flag(this, 'object');
    var deep = flag(this, 'deep');
    var ok = list.some(function (item) { return deep ? deepEqual(item, obj) : item === obj; });
    assert(this, ok, 'expected #{this} to be one of #{exp}', 'expected #{this} to not be one of #{exp}', list);
  });

  function lengthAssert(n) {
    var obj = flag(this, 'object');
    var len = lengthOf(obj);
    assert(this, len === n, 'expected #{this} to have a length of #{exp} but got #{act}',
      'expected #{this} to not have a length of #{act}', n, len);
  }
  function doLength() { flag(this, 'doLength', true); }
  chainable('length', lengthAssert, doLength);
  chainable('lengthOf', lengthAssert, doLength);

  function matchRe(re) {
    var obj = flag(this, 'object');
    assert(this, re.exec(String(obj)) !== null, 'expected #{this} to match ' + re, 'expected #{this} not to match ' + re);
  }
  method('match', matchRe);
  method('matches', matchRe);
  method('string', function (s) {
    var obj = flag(this, 'object');
    assert(this, typeof obj === 'string' && obj.indexOf(s) !== -1, 'expected #{this} to contain #{exp}',
      'expected #{this} to not contain #{exp}', s);
  });

  function propertyAssert(name, value) {
    var obj = flag(this, 'object');
    var nested = flag(this, 'nested');
    var own = flag(this, 'own');
    var deep = flag(this, 'deep');
    if (obj === null || obj === undefined) {
      throw AssertionError('Target cannot be null or undefined.');
    }
    var found;
    if (nested) found = pathValue(obj, name);
    else if (own) found = { exists: Object.prototype.hasOwnProperty.call(obj, name), value: obj[name] };
    else found = { exists: name in Object(obj), value: obj[name] };
    var desc = (deep ? 'deep ' : '') + (nested ? 'nested ' : '') + (own ? 'own ' : '') + 'property ';
    if (arguments.length > 1) {
      var matches = found.exists && (deep ? deepEqual(value, found.value) : value === found.value);
      assert(this, matches, 'expected #{this} to have ' + desc + inspect(name) + ' of #{exp}, but got #{act}',
        'expected #{this} to not have ' + desc + inspect(name) + ' of #{act}', value, found.value);
    } else {
      assert(this, found.exists, 'expected #{this} to have ' + desc + inspect(name),
        'expected #{this} to not have ' + desc + inspect(name));
    }
    flag(this, 'object', found.value);
  }
  method('property', propertyAssert);
  method('ownProperty', function (name, value) {
    flag(this, 'own', true);
    return propertyAssert.apply(this, arguments);
  });
  method('haveOwnProperty', function (name, value) {
    flag(this, 'own', true);
    return propertyAssert.apply(this, arguments);
  });
  method('nestedProperty', function (name, value) {
    flag(this, 'nested', true);
    return propertyAssert.apply(this, arguments);
  });

  method('keys', function (keys) {
    var obj = flag(this, 'object');
    if (!Array.isArray(keys)) {
      keys = typeOf(keys) === 'object' ? Object.keys(keys) : Array.prototype.slice.call(arguments);
    }
    var actual = typeOf(obj) === 'map' || typeOf(obj) === 'set' ? Array.from(obj.keys()) : Object.keys(obj);
    var ok;
    var any = flag(this, 'any');
    if (any) ok = keys.some(function (k) { return actual.indexOf(k) !== -1; });
    else {
      ok = keys.every(function (k) { return actual.indexOf(k) !== -1; });
      if (!flag(this, 'contains')) ok = ok && keys.length === actual.length;
    }
    var words = (any ? 'any of ' : 'all of ') + 'keys ' + keys.map(function (k) { return inspect(k); }).join(', ');
    assert(this, ok, 'expected #{this} to ' + (flag(this, 'contains') ? 'contain ' : 'have ') + words,
      'expected #{this} to not ' + (flag(this, 'contains') ? 'contain ' : 'have ') + words);
  });
  method('key', function () { return proto.keys.apply(this, arguments); });

  method('members', function (list) {
    var obj = flag(this, 'object');
    var deep = flag(this, 'deep');
    var has = function (arr, item) { return arr.some(function (x) { return deep ? deepEqual(x, item) : x === item; }); };
    var ok;
    if (flag(this, 'contains')) ok = list.every(function (item) { return has(obj, item); });
    else if (flag(this, 'ordered')) ok = obj.length === list.length && list.every(function (item, i) { return deep ? deepEqual(obj[i], item) : obj[i] === item; });
    else ok = obj.length === list.length && list.every(function (item) { return has(obj, item); }) && obj.every(function (item) { return has(list, item); });
    var what = flag(this, 'contains') ? 'be a superset of' : 'have the same members as';
    assert(this, ok, 'expected #{this} to ' + what + ' #{exp}', 'expected #{this} to not ' + what + ' #{exp}', list);
  });

  method('satisfy', function (fn) {
    var obj = flag(this, 'object');
    assert(this, fn(obj), 'expected #{this} to satisfy ' + inspect(fn), 'expected #{this} to not satisfy ' + inspect(fn));
  });
  method('satisfies', function (fn) { return proto.satisfy.call(this, fn); });
  function instanceOf(ctor) {
    assert(this, flag(this, 'object') instanceof ctor, 'expected #{this} to be an instance of ' + (ctor.name || 'the constructor'),
      'expected #{this} to not be an instance of ' + (ctor.name || 'the constructor'));
  }
  method('instanceof', instanceOf);
  method('instanceOf', instanceOf);
  function throws(expected) {
    var fn = flag(this, 'object');
    var thrown = null;
    try { fn(); } catch (e) { thrown = e; }
    var ok = thrown !== null;
    if (ok && expected !== undefined) {
      var text = thrown && thrown.message !== undefined ? thrown.message : String(thrown);
      if (expected instanceof RegExp) ok = expected.test(text);
      else if (typeof expected === 'string') ok = text.indexOf(expected) !== -1;
      else if (typeof expected === 'function') ok = thrown instanceof expected;
    }
    assert(this, ok, 'expected #{this} to throw' + (expected !== undefined ? ' ' + inspect(expected) : ''),
      'expected #{this} to not throw' + (expected !== undefined ? ' ' + inspect(expected) : ''));
  }
  method('throw', throws);
  method('throws', throws);
  method('Throw', throws);
  method('fail', function (message) { throw AssertionError(message || 'expect.fail()'); });

  Assertion.prototype = proto;
  Object.defineProperty(proto, 'constructor', { value: Assertion });

  function expect(value, message) { return new Assertion(value, message); }
  expect.fail = function (actual, expected, message) {
    if (arguments.length < 2) throw AssertionError(actual === undefined ? 'expect.fail()' : String(actual));
    throw AssertionError(message || ('expected ' + inspect(actual) + ' to equal ' + inspect(expected)));
  };

  return {
    Assertion: Assertion, expect: expect, inspect: inspect, deepEqual: deepEqual, AssertionError: AssertionError,
    flag: flag, assert: assert, proto: proto, typeOf: typeOf, pathValue: pathValue,
    property: property, method: method,
  };
})();

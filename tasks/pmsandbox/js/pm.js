// Postman's script sandbox API for qaflow: `pm` (test, expect, response, request, variable scopes,
// info, cookies), the legacy globals (tests[], responseBody, postman.setEnvironmentVariable...),
// console, timers and require(). One context runs many scripts: __qaflow_run(input, code) sets a
// script up from its input (JSON from Python), runs it in a fresh function scope, and
// __qaflow_finish() hands back what it did (tests, variable scopes, console lines) as JSON.
'use strict';

var __qaflow_api = (function () {
  // Postman's sandbox bundles Sugar.js; of its prototype methods, old collections (and Postman's own
  // legacy snippets: `tests["Body matches string"] = responseBody.has("...")`) use String#has
  Object.defineProperty(String.prototype, 'has', {
    value: function has(find) {
      return find instanceof RegExp ? new RegExp(find.source, find.flags.replace('g', '')).test(this) : this.indexOf(String(find)) !== -1;
    },
    writable: false, configurable: false, enumerable: false,
  });
  var chai = __qaflow_chai, libs = __qaflow_libs;
  var MAX_LOGS = 200, MAX_LOG_TEXT = 2000, MAX_TIMERS = 1000, MAX_SENDS = 50;
  var LEGACY = ['pm', 'postman', 'tests', 'responseBody', 'responseCode', 'responseHeaders', 'responseTime',
    'responseCookies', 'request', 'environment', 'globals', 'data', 'iteration', 'require', 'console',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', '_', 'CryptoJS', 'tv4',
    'xml2Json', 'cheerio', 'Buffer'];
  var MODULES = {
    lodash: libs.lodash, moment: libs.moment, uuid: libs.uuid, 'crypto-js': libs.CryptoJS, tv4: libs.tv4,
    chai: { expect: chai.expect, AssertionError: chai.AssertionError },
    atob: function (s) { return atob(s); }, btoa: function (s) { return btoa(s); },
    ajv: libs.Ajv, buffer: { Buffer: libs.Buffer }, 'uuid/v4': libs.uuid.v4, 'uuid/v1': libs.uuid.v1,
  };
  var current = null; // the script running now; everything it may change lives here

  function text(v) {
    if (typeof v === 'string') return v;
    if (v === undefined) return 'undefined';
    if (v instanceof Error) return v.name + ': ' + v.message;
    try { return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v); } catch (e) { return String(v); }
  }
  var LIB_LINES = 10000; // engine.py LIB_LINE_OFFSET: frames above it are the sandbox's own
  var WHERE = /\(<input>:(\d+):\d+\)/g, LINE_KINDS = { TypeError: true, ReferenceError: true, RangeError: true };
  function scriptLine(e) {
    // the line of the script an engine error came from (the first frame of the script's code:
    // its own function body starts 2 lines into the source Function() makes)
    var stack = typeof e.stack === 'string' ? e.stack : '', m;
    WHERE.lastIndex = 0;
    while ((m = WHERE.exec(stack)) !== null) {
      var line = Number(m[1]);
      if (line < LIB_LINES) return line > 2 ? line - 2 : null;
    }
    return null;
  }
  function errorText(e) {
    if (e instanceof Error) {
      var out = (e.name || 'Error') + ': ' + e.message, line = LINE_KINDS[e.name] ? scriptLine(e) : null;
      return line === null ? out : out + ' (line ' + line + ' of the script)';
    }
    return 'Error: ' + text(e);
  }

  // ---- variables ------------------------------------------------------------------------------
  var ORDER = ['local', 'data', 'environment', 'collection', 'globals'];
  function resolve(name) {
    var s = current.scopes;
    for (var i = 0; i < ORDER.length; i++) {
      var scope = s[ORDER[i]];
      if (scope && Object.prototype.hasOwnProperty.call(scope, name)) return { found: true, value: scope[name] };
    }
    if (Object.prototype.hasOwnProperty.call(current.fallback, name)) return { found: true, value: current.fallback[name] };
    return { found: false };
  }
  function show(v) {
    if (typeof v === 'string') return v;
    if (v === null || v === undefined) return String(v);
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  function replaceIn(template) {
    if (typeof template !== 'string') return template;
    var out = template;
    for (var depth = 0; depth < 19; depth++) {
      var changed = false;
      out = out.replace(/\{\{([^{}]+)\}\}/g, function (whole, name) {
        if (name.charAt(0) === '$') {
          var pool = current.dynamic[name.slice(1)];
          if (!pool || pool.length === 0) return whole;
          changed = true;
          var used = current.dynamicUsed[name] || 0;
          var value = pool[used % pool.length];
          current.dynamicUsed[name] = used + 1;
          return value;
        }
        var found = resolve(name);
        if (!found.found || found.value === undefined) return whole;
        changed = true;
        return show(found.value);
      });
      if (!changed) break;
    }
    return out;
  }
  function touch(name) { current.touched[name] = true; }
  function Scope(key) {
    var own = function () { return current.scopes[key]; };
    var hidden = function () { return current.hidden[key]; };
    var visible = function (name) {
      if (Object.prototype.hasOwnProperty.call(own(), name)) return { found: true, value: own()[name] };
      if (!hidden()[name] && Object.prototype.hasOwnProperty.call(current.fallback, name)) return { found: true, value: current.fallback[name] };
      return { found: false };
    };
    return {
      get: function (name) { return visible(String(name)).value; },
      has: function (name) { return visible(String(name)).found; },
      set: function (name, value) {
        if (typeof name === 'object' && name !== null) { // set({key, value}) as PropertyList does
          value = name.value; name = name.key;
        }
        name = String(name);
        own()[name] = value;
        delete hidden()[name];
        touch(name);
      },
      unset: function (name) {
        name = String(name);
        delete own()[name];
        hidden()[name] = true;
        touch(name);
      },
      clear: function () {
        Object.keys(own()).forEach(function (n) { delete own()[n]; touch(n); });
        Object.keys(current.fallback).forEach(function (n) { hidden()[n] = true; touch(n); });
      },
      toObject: function () {
        var out = {};
        Object.keys(current.fallback).forEach(function (n) { if (!hidden()[n]) out[n] = current.fallback[n]; });
        Object.keys(own()).forEach(function (n) { out[n] = own()[n]; });
        return out;
      },
      replaceIn: replaceIn,
      name: key,
    };
  }
  var scopes = {
    environment: Scope('environment'), collectionVariables: Scope('collection'), globals: Scope('globals'),
  };
  var localScope = Scope('local');
  var variables = {
    get: function (name) { var f = resolve(String(name)); return f.found ? f.value : undefined; },
    has: function (name) { return resolve(String(name)).found; },
    set: function (name, value) { localScope.set(name, value); },
    unset: function (name) { localScope.unset(name); },
    clear: function () { localScope.clear(); },
    toObject: function () {
      var out = {};
      Object.keys(current.fallback).forEach(function (n) { out[n] = current.fallback[n]; });
      ORDER.slice().reverse().forEach(function (k) {
        var s = current.scopes[k] || {};
        Object.keys(s).forEach(function (n) { out[n] = s[n]; });
      });
      return out;
    },
    replaceIn: replaceIn,
  };
  var iterationData = {
    get: function (name) { return (current.scopes.data || {})[name]; },
    has: function (name) { return Object.prototype.hasOwnProperty.call(current.scopes.data || {}, name); },
    toObject: function () { return Object.assign({}, current.scopes.data || {}); },
    toJSON: function () { return Object.assign({}, current.scopes.data || {}); },
    unset: function (name) { delete (current.scopes.data || {})[name]; },
  };

  // ---- headers, URL, request, response ---------------------------------------------------------
  function HeaderList(pairs, onChange) {
    var list = pairs.map(function (p) { return { key: p[0], value: p[1] }; });
    var find = function (name) {
      var lower = String(name).toLowerCase();
      for (var i = list.length - 1; i >= 0; i--) if (list[i].key.toLowerCase() === lower) return list[i];
      return undefined;
    };
    var change = function (op, key, value) { if (onChange) onChange(op, key, value); };
    return {
      get: function (name) { var h = find(name); return h ? h.value : undefined; },
      one: function (name) { var h = find(name); return h ? { key: h.key, value: h.value } : undefined; },
      has: function (name, value) { var h = find(name); return !!h && (value === undefined || h.value === value); },
      all: function () { return list.map(function (h) { return { key: h.key, value: h.value }; }); },
      toObject: function () { var out = {}; list.forEach(function (h) { out[h.key.toLowerCase()] = h.value; }); return out; },
      toJSON: function () { return list.map(function (h) { return { key: h.key, value: h.value }; }); },
      count: function () { return list.length; },
      each: function (fn) { list.forEach(function (h) { fn({ key: h.key, value: h.value }); }); },
      map: function (fn) { return list.map(function (h) { return fn({ key: h.key, value: h.value }); }); },
      filter: function (fn) { return list.filter(function (h) { return fn({ key: h.key, value: h.value }); }); },
      find: function (fn) {
        for (var i = 0; i < list.length; i++) {
          var h = { key: list[i].key, value: list[i].value };
          if (typeof fn === 'function' ? fn(h) : String(fn).toLowerCase() === h.key.toLowerCase()) return h;
        }
        return undefined;
      },
      idx: function (i) { var h = list[i]; return h ? { key: h.key, value: h.value } : undefined; },
      reduce: function (fn, acc) { return list.map(function (h) { return { key: h.key, value: h.value }; }).reduce(fn, acc); },
      add: function (h) { list.push({ key: String(h.key), value: String(h.value) }); change('add', String(h.key), String(h.value)); },
      upsert: function (h) {
        var found = find(h.key);
        if (found) found.value = String(h.value); else list.push({ key: String(h.key), value: String(h.value) });
        change('set', String(h.key), String(h.value));
      },
      remove: function (name) {
        var key = typeof name === 'object' ? name.key : name;
        var lower = String(key).toLowerCase();
        list = list.filter(function (h) { return h.key.toLowerCase() !== lower; });
        change('remove', String(key));
      },
    };
  }
  function urlChange(what) {
    // a script that changes the URL it is about to send: said plainly, never dropped without a word
    return unsupported(what, 'a script cannot change the URL of the request; set a variable and use {{it}} in the URL');
  }
  function Url(raw) {
    var m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#:]*)(?::(\d+))?([^?#]*)(?:\?([^#]*))?/i.exec(raw) || [];
    var query = (m[5] || '').split('&').filter(Boolean).map(function (pair) {
      var i = pair.indexOf('=');
      var dec = function (x) { try { return decodeURIComponent(x.replace(/\+/g, ' ')); } catch (e) { return x; } };
      return i < 0 ? { key: dec(pair), value: null } : { key: dec(pair.slice(0, i)), value: dec(pair.slice(i + 1)) };
    });
    return {
      protocol: m[1], host: (m[2] || '').split('.'), port: m[3], path: (m[4] || '').split('/').filter(Boolean),
      query: {
        get: function (k) { var q = query.filter(function (x) { return x.key === k; }); return q.length ? q[q.length - 1].value : undefined; },
        has: function (k) { return query.some(function (x) { return x.key === k; }); },
        all: function () { return query.slice(); },
        toObject: function () { var o = {}; query.forEach(function (x) { o[x.key] = x.value; }); return o; },
        count: function () { return query.length; },
        add: urlChange('pm.request.url.query.add'), upsert: urlChange('pm.request.url.query.upsert'),
        remove: urlChange('pm.request.url.query.remove'),
      },
      addQueryParams: urlChange('pm.request.url.addQueryParams'), removeQueryParams: urlChange('pm.request.url.removeQueryParams'),
      update: urlChange('pm.request.url.update'),
      toString: function () { return raw; },
      getHost: function () { return m[2] || ''; },
      getPath: function () { return m[4] || '/'; },
      getQueryString: function () { return m[5] || ''; },
      getPathWithQuery: function () { return (m[4] || '/') + (m[5] ? '?' + m[5] : ''); },
      getRemote: function () { return (m[2] || '') + (m[3] ? ':' + m[3] : ''); },
    };
  }
  function makeRequest(req) {
    req = req || {};
    var onChange = current.event === 'prerequest' ? function (op, key, value) { current.headerOps.push([op, key, value === undefined ? null : value]); } : null;
    var headers = HeaderList(req.headers || [], onChange);
    var body = req.body === undefined || req.body === null ? undefined : {
      mode: 'raw', raw: req.body, toString: function () { return req.body; }, isEmpty: function () { return !req.body; },
    };
    var request = {
      id: current.info.requestId, name: current.info.requestName, method: req.method || '',
      url: Url(req.url || ''), headers: headers, body: body,
      addHeader: function (h) { headers.add(h); }, removeHeader: function (n) { headers.remove(n); },
      upsertHeader: function (h) { headers.upsert(h); },
      toJSON: function () { return { method: req.method, url: req.url, header: headers.toJSON(), body: body && { mode: 'raw', raw: req.body } }; },
    };
    Object.defineProperty(request, '__qaflowRequest', { value: true });
    Object.defineProperty(request, 'to', { get: function () { return new chai.Assertion(request).to; } });
    return request;
  }
  function parseJSON(body) {
    try { return JSON.parse(body); } catch (e) {
      var err = new SyntaxError(e.message);
      Object.defineProperty(err, 'name', { value: 'JSONError' });
      throw err;
    }
  }
  function makeResponse(res) {
    var headers = HeaderList(res.headers || []);
    var response = {
      code: res.code, status: res.status, responseTime: res.responseTime, responseSize: res.responseSize,
      headers: headers,
      text: function () { return res.body; },
      json: function () { return parseJSON(res.body); },
      reason: function () { return res.status; },
      size: function () { return { body: res.responseSize, header: 0, total: res.responseSize }; },
      toJSON: function () { return { code: res.code, status: res.status, header: headers.toJSON(), body: res.body, responseTime: res.responseTime }; },
    };
    Object.defineProperty(response, '__qaflowResponse', { value: true });
    Object.defineProperty(response, 'to', { get: function () { return new chai.Assertion(response).to; } });
    Object.defineProperty(response, 'cookies', { get: function () { return cookieList(res.headers || []); } });
    return response;
  }
  function cookieList(pairs) {
    var cookies = pairs.filter(function (p) { return p[0].toLowerCase() === 'set-cookie'; }).map(function (p) {
      var first = p[1].split(';')[0], i = first.indexOf('=');
      return { name: first.slice(0, i).trim(), value: first.slice(i + 1).trim() };
    });
    var find = function (n) { for (var i = cookies.length - 1; i >= 0; i--) if (cookies[i].name === n) return cookies[i]; return undefined; };
    return {
      get: function (n) { var c = find(n); return c ? c.value : undefined; },
      has: function (n) { return !!find(n); },
      toObject: function () { var o = {}; cookies.forEach(function (c) { o[c.name] = c.value; }); return o; },
      all: function () { return cookies.slice(); },
      count: function () { return cookies.length; },
    };
  }

  // ---- Postman's response assertions on chai (pm.response.to.have.status(200)...) ----------------
  function responseOf(a) {
    var r = chai.flag(a, 'object');
    if (!r || !r.__qaflowResponse) throw chai.AssertionError('expected ' + chai.inspect(r) + ' to be a response');
    return r;
  }
  chai.method('status', function (expected) {
    var r = responseOf(this);
    if (typeof expected === 'string') {
      chai.assert(this, r.status === expected, 'expected response to have status reason #{exp} but got #{act}',
        'expected response to not have status reason #{exp}', expected, r.status);
      return;
    }
    chai.assert(this, r.code === expected, 'expected response to have status code #{exp} but got #{act}',
      'expected response to not have status code #{exp}', expected, r.code);
  });
  chai.method('statusCode', function (expected) {
    var r = responseOf(this);
    chai.assert(this, r.code === expected, 'expected response to have status code #{exp} but got #{act}',
      'expected response to not have status code #{exp}', expected, r.code);
  });
  chai.method('statusReason', function (expected) {
    var r = responseOf(this);
    chai.assert(this, r.status === expected, 'expected response to have status reason #{exp} but got #{act}',
      'expected response to not have status reason #{exp}', expected, r.status);
  });
  chai.method('statusCodeClass', function (expected) {
    var r = responseOf(this), actual = Math.floor(r.code / 100);
    chai.assert(this, actual === expected, 'expected response to have status code class #{exp} but got #{act}',
      'expected response to not have status code class #{exp}', expected, actual);
  });
  [['postmanResponse', function (o) { return !!(o && o.__qaflowResponse); }, 'a postman response'],
    ['postmanRequest', function (o) { return !!(o && o.__qaflowRequest); }, 'a postman request'],
    ['postmanRequestOrResponse', function (o) { return !!(o && (o.__qaflowRequest || o.__qaflowResponse)); }, 'a postman request or response'],
  ].forEach(function (spec) {
    chai.property(spec[0], function () {
      chai.assert(this, spec[1](chai.flag(this, 'object')), 'expected #{this} to be ' + spec[2], 'expected #{this} to not be ' + spec[2]);
    });
  });
  [['success', 2, '2XX'], ['info', 1, '1XX'], ['redirection', 3, '3XX'], ['clientError', 4, '4XX'],
    ['serverError', 5, '5XX']].forEach(function (spec) {
    chai.property(spec[0], function () {
      var r = responseOf(this);
      chai.assert(this, Math.floor(r.code / 100) === spec[1], 'expected response code to be ' + spec[2] + ' but found ' + r.code,
        'expected response code to not be ' + spec[2] + ' but found ' + r.code);
    });
  });
  chai.property('error', function () {
    var r = responseOf(this);
    chai.assert(this, r.code >= 400 && r.code < 600, 'expected response code to be 4XX or 5XX but found ' + r.code,
      'expected response code to not be 4XX or 5XX but found ' + r.code);
  });
  [['accepted', 202], ['badRequest', 400], ['unauthorized', 401], ['unauthorised', 401], ['forbidden', 403],
    ['notFound', 404], ['rateLimited', 429], ['created', 201], ['noContent', 204]].forEach(function (spec) {
    chai.property(spec[0], function () {
      var r = responseOf(this);
      chai.assert(this, r.code === spec[1], 'expected response code to be ' + spec[1] + ' but found ' + r.code,
        'expected response code to not be ' + spec[1] + ' but found ' + r.code);
    });
  });
  chai.property('withBody', function () {
    var r = responseOf(this);
    chai.assert(this, r.text().length > 0, 'expected response to have content in body', 'expected response to not have content in body');
  });
  chai.property('json', function () {
    var r = responseOf(this);
    var ok = true;
    try { JSON.parse(r.text()); } catch (e) { ok = false; }
    chai.assert(this, ok, 'expected response body to be a valid json but got error ' + (ok ? '' : 'JSONError'),
      'expected response body not to be a valid json');
  });
  chai.method('header', function (name, value) {
    var o = chai.flag(this, 'object');
    var r = o && o.__qaflowRequest ? o : responseOf(this), what = o && o.__qaflowRequest ? 'request' : 'response';
    var has = r.headers.has(name);
    if (arguments.length < 2) {
      chai.assert(this, has, 'expected ' + what + " to have header with key '" + name + "'",
        'expected ' + what + " to not have header with key '" + name + "'");
      return;
    }
    var actual = r.headers.get(name);
    chai.assert(this, has && actual === value, "expected '" + name + "' " + what + ' header to be #{exp} but got #{act}',
      "expected '" + name + "' " + what + ' header to not be #{exp}', value, actual);
  });
  chai.method('body', function (expected) {
    var r = responseOf(this), body = r.text();
    if (arguments.length === 0) {
      chai.assert(this, body.length > 0, 'expected response to have content in body', 'expected response to not have content in body');
    } else if (expected instanceof RegExp) {
      chai.assert(this, expected.test(body), 'expected response body text to match ' + expected,
        'expected response body text to not match ' + expected);
    } else if (typeof expected === 'string') {
      chai.assert(this, body === expected, 'expected response body to equal #{exp} but got #{act}',
        'expected response body to not equal #{exp}', expected, body);
    } else {
      var parsed;
      try { parsed = JSON.parse(body); } catch (e) { parsed = undefined; }
      chai.assert(this, chai.deepEqual(parsed, expected), 'expected response body json to equal #{exp} but got #{act}',
        'expected response body json to not equal #{exp}', expected, parsed);
    }
  });
  chai.method('jsonBody', function (path, value) {
    var r = responseOf(this), parsed, ok = true;
    try { parsed = JSON.parse(r.text()); } catch (e) { ok = false; }
    if (!ok) {
      chai.assert(this, false, 'expected response body to be a valid json but got error JSONError', 'expected response body not to be json');
      return;
    }
    if (arguments.length === 0) {
      chai.assert(this, true, '', 'expected response body not to be json');
    } else if (typeof path !== 'string') {
      chai.assert(this, chai.deepEqual(parsed, path), 'expected response body json to equal #{exp} but got #{act}',
        'expected response body json to not equal #{exp}', path, parsed);
    } else if (arguments.length === 1) {
      chai.assert(this, libs.lodash.has(parsed, path), "expected #{this} to have property '" + path + "'",
        "expected #{this} to not have property '" + path + "'");
    } else {
      var actual = libs.lodash.get(parsed, path);
      chai.assert(this, libs.lodash.has(parsed, path) && chai.deepEqual(actual, value),
        "expected response body json at '" + path + "' to contain #{exp} but got #{act}",
        "expected response body json at '" + path + "' to not contain #{exp}", value, actual);
    }
  });
  chai.method('jsonSchema', function (schema) {
    // on a response: its body as JSON; on anything else (pm.expect(data).to.have.jsonSchema(s),
    // as chai-postman allows): the value itself
    var r = chai.flag(this, 'object'), parsed;
    if (r && r.__qaflowResponse) {
      try { parsed = JSON.parse(r.text()); } catch (e) { parsed = undefined; }
    } else {
      parsed = r;
    }
    var errors = libs.schemaErrors(parsed === undefined ? null : parsed, schema);
    chai.assert(this, errors.length === 0, 'expected data to satisfy schema but found following errors: \n' + errors.join(', '),
      'expected data to not satisfy schema');
  });
  chai.method('responseTime', function () { return this; });

  // ---- tests ----------------------------------------------------------------------------------
  // tests are reported in the order they ended, as Newman reports them: an asynchronous one
  // when it calls done(), a script's legacy tests[...] when that script's synchronous part ends
  function record(name, passed, error, skipped) {
    current.seq += 1;
    current.tests.push({ name: String(name), passed: passed, error: error || null, skipped: !!skipped, seq: current.seq });
  }
  function ended(entry) { current.seq += 1; entry.seq = current.seq; }
  function legacyEntry(name, value) {
    var ok = !!value;
    return { name: name, passed: ok, error: ok ? null : 'AssertionError: expected ' + text(value) + ' to be truthy', skipped: false };
  }
  function flushLegacy() {
    var own = current.legacyTests;
    Object.keys(own).forEach(function (name) {
      var entry = legacyEntry(name, own[name]);
      current.seq += 1;
      entry.seq = current.seq;
      current.tests.push(entry);
    });
    current.legacyFlushed.push([own, Object.keys(own)]);
  }
  function test(name, fn) {
    if (typeof fn !== 'function') { record(name, true, null, true); return pm; }
    if (fn.length > 0) { // an asynchronous test: it ends when done() is called
      var entry = { name: String(name), passed: true, error: null, skipped: false, waiting: true, seq: current.seq };
      current.tests.push(entry);
      var done = function (err) {
        if (!entry.waiting) return;
        entry.waiting = false;
        ended(entry);
        if (err) { entry.passed = false; entry.error = errorText(err); }
      };
      try { fn(done); } catch (e) { entry.waiting = false; entry.passed = false; entry.error = errorText(e); ended(entry); }
      return pm;
    }
    try {
      var result = fn();
      if (result && typeof result.then === 'function') {
        var pending = { name: String(name), passed: true, error: null, skipped: false, waiting: true, seq: current.seq };
        current.tests.push(pending);
        result.then(function () { pending.waiting = false; ended(pending); }, function (e) {
          pending.waiting = false; pending.passed = false; pending.error = errorText(e); ended(pending);
        });
        return pm;
      }
      record(name, true, null);
    } catch (e) {
      record(name, false, errorText(e));
    }
    return pm;
  }
  test.skip = function (name) { record(name, true, null, true); return pm; };
  var expect = chai.expect;

  var pm = null; // the pm object of the script running now (pm.test returns it, as Postman's does)
  function unsupported(what, why) {
    return function () { throw new Error(what + ' is not available in the qaflow sandbox: ' + why); };
  }
  // pm objects share one prototype whose getters read the script running now: making one costs
  // an Object.create, and pm.response / pm.request are built only when a script asks for them
  var PM_PROTO = {};
  function pmValue(name, value) { Object.defineProperty(PM_PROTO, name, { value: value, enumerable: true }); }
  function pmMade(name, make) {
    Object.defineProperty(PM_PROTO, name, {
      get: function () {
        var made = current.made;
        if (!Object.prototype.hasOwnProperty.call(made, name)) made[name] = make();
        return made[name];
      },
      enumerable: true,
    });
  }
  // ---- pm.sendRequest: the request waits in the outbox; the host (engine.py) sends it through
  // the run's HTTP session (the target's allowed origins, its deadline) and hands the answer back
  function sendHeaders(header) {
    if (!header) return [];
    if (Array.isArray(header)) {
      return header.filter(function (h) { return h && !h.disabled; }).map(function (h) { return [String(h.key), String(h.value)]; });
    }
    if (typeof header === 'string') {
      return header.split(/\r?\n/).filter(Boolean).map(function (line) { var i = line.indexOf(':'); return [line.slice(0, i).trim(), line.slice(i + 1).trim()]; });
    }
    return Object.keys(header).map(function (k) { return [k, String(header[k])]; });
  }
  function sendBody(body, headers) {
    if (body === undefined || body === null) return null;
    if (typeof body === 'string') return body;
    var setType = function (type) {
      if (!headers.some(function (h) { return h[0].toLowerCase() === 'content-type'; })) headers.push(['Content-Type', type]);
    };
    // as postman-collection's RequestBody: no mode, no body; a mode it does not know is raw
    var mode = body.mode ? String(body.mode).toLowerCase() : '';
    if (['raw', 'urlencoded', 'formdata', 'file', 'graphql', ''].indexOf(mode) === -1) mode = 'raw';
    switch (mode) {
      case '': return null;
      case 'raw': return body.raw === undefined || body.raw === null ? '' : (typeof body.raw === 'string' ? body.raw : JSON.stringify(body.raw));
      case 'urlencoded':
        setType('application/x-www-form-urlencoded');
        return (body.urlencoded || []).filter(function (f) { return f && !f.disabled; }).map(function (f) {
          return encodeURIComponent(String(f.key)) + '=' + encodeURIComponent(f.value === undefined || f.value === null ? '' : String(f.value));
        }).join('&');
      case 'graphql':
        setType('application/json');
        var g = body.graphql || {}, vars = g.variables;
        if (typeof vars === 'string') { try { vars = vars.trim() ? JSON.parse(vars) : undefined; } catch (e) { throw new Error('pm.sendRequest: the GraphQL variables are not JSON'); } }
        return JSON.stringify(vars === undefined ? { query: g.query } : { query: g.query, variables: vars });
    }
    throw new Error("pm.sendRequest with a '" + mode + "' body is not supported by the qaflow sandbox (raw, urlencoded and graphql are)");
  }
  function sendRequest(req, callback) {
    if (!current.network) return unsupported('pm.sendRequest', 'scripts have no network access here')();
    if (current.sendCount >= MAX_SENDS) throw new Error('too many pm.sendRequest calls (more than ' + MAX_SENDS + ')');
    var spec = typeof req === 'string' ? { url: req } : (req || {});
    var url = spec.url;
    if (url && typeof url === 'object') url = url.raw !== undefined ? url.raw : String(url);
    var headers = sendHeaders(spec.header || spec.headers).map(function (h) { return [h[0], variables.replaceIn(h[1])]; });
    var body = sendBody(spec.body, headers);
    current.sendCount += 1;
    var id = current.sendCount, settle = null, promise = null;
    if (typeof callback !== 'function') {
      promise = new Promise(function (resolve, reject) { settle = function (err, res) { if (err) reject(err); else resolve(res); }; });
    }
    var queued = {
      id: id, method: String(spec.method || 'GET').toUpperCase(), url: variables.replaceIn(String(url === undefined ? '' : url)),
      headers: headers, body: body === null ? null : variables.replaceIn(body),
    };
    current.outbox.push(queued);
    current.sends[id] = [typeof callback === 'function' ? callback : settle, queued.method + ' ' + queued.url];
    return promise === null ? undefined : promise;
  }
  function outbox() {
    // the requests waiting to be sent, as JSON ('' when none)
    if (current === null || current.outbox.length === 0) return '';
    var out = JSON.stringify(current.outbox);
    current.outbox = [];
    return out;
  }
  function deliver(repliesJson) {
    // the host's answers: each callback runs as Postman runs it, (err, response)
    JSON.parse(repliesJson).forEach(function (reply) {
      var sent = current.sends[reply.id];
      delete current.sends[reply.id];
      if (!sent || current.error !== null) return;
      var err = reply.error ? new Error(reply.error) : null;
      if (err) { // said in the run log, and with the error of a script that then stops
        warn('pm.sendRequest ' + sent[1] + ' failed: ' + reply.error);
        current.sendFailures.push(sent[1] + ': ' + reply.error);
      }
      try { sent[0](err, err ? undefined : makeResponse(reply.response)); } catch (e) { current.error = errorText(e); }
    });
  }
  function setNextRequest(name) { warn('setNextRequest(' + text(name) + ') ignored: qaflow runs each request as its own scenario'); }
  pmValue('test', test);
  pmValue('expect', chai.expect);
  pmValue('environment', scopes.environment);
  pmValue('collectionVariables', scopes.collectionVariables);
  pmValue('globals', scopes.globals);
  pmValue('variables', variables);
  pmValue('iterationData', iterationData);
  pmValue('sendRequest', sendRequest);
  pmValue('setNextRequest', setNextRequest);
  pmValue('visualizer', { set: function () {}, clear: function () {} });
  pmValue('require', requireModule);
  pmMade('info', function () { return current.info; });
  pmMade('response', function () { return current.response ? makeResponse(current.response) : undefined; });
  pmMade('request', function () { return makeRequest(current.request); });
  pmMade('cookies', function () { return cookieList(current.response ? current.response.headers : []); });
  pmMade('execution', function () {
    return {
      setNextRequest: setNextRequest,
      skipRequest: unsupported('pm.execution.skipRequest', 'every request of a scenario is sent'),
      location: [current.info.requestName], current: current.info.requestName,
    };
  });
  function buildPm() { return Object.create(PM_PROTO); }
  function warn(textLine) { log('warn', [textLine]); }
  function log(level, args) {
    if (current.logs.length >= MAX_LOGS) { current.logsDropped += 1; return; }
    var line = Array.prototype.map.call(args, text).join(' ');
    if (line.length > MAX_LOG_TEXT) line = line.slice(0, MAX_LOG_TEXT) + '...';
    current.logs.push([level, line]);
  }
  var consoleApi = {
    log: function () { log('log', arguments); }, info: function () { log('info', arguments); },
    warn: function () { log('warn', arguments); }, error: function () { log('error', arguments); },
    debug: function () { log('debug', arguments); }, trace: function () { log('trace', arguments); },
  };
  function requireModule(name) {
    if (Object.prototype.hasOwnProperty.call(MODULES, name)) return MODULES[name];
    throw new Error("Cannot find module '" + name + "': the qaflow sandbox provides " + Object.keys(MODULES).join(', '));
  }
  function setTimer(fn, delay) {
    if (typeof fn !== 'function') throw new TypeError('setTimeout needs a function');
    if (current.timerCount >= MAX_TIMERS) throw new Error('too many timers (more than ' + MAX_TIMERS + ')');
    current.timerCount += 1;
    var args = Array.prototype.slice.call(arguments, 2);
    var id = current.timerCount;
    current.timers.push({ id: id, at: current.clock + Math.max(0, Number(delay) || 0), fn: fn, args: args });
    return id;
  }
  function clearTimer(id) { current.timers = current.timers.filter(function (t) { return t.id !== id; }); }

  function makePostman(pmObject) {
    var res = current.response;
    return {
      setEnvironmentVariable: function (k, v) { scopes.environment.set(k, v); },
      getEnvironmentVariable: function (k) { return scopes.environment.get(k); },
      clearEnvironmentVariable: function (k) { scopes.environment.unset(k); },
      clearEnvironmentVariables: function () { scopes.environment.clear(); },
      setGlobalVariable: function (k, v) { scopes.globals.set(k, v); },
      getGlobalVariable: function (k) { return scopes.globals.get(k); },
      clearGlobalVariable: function (k) { scopes.globals.unset(k); },
      clearGlobalVariables: function () { scopes.globals.clear(); },
      getVariable: function (k) { return variables.get(k); },
      setNextRequest: setNextRequest,
      getResponseHeader: function (name) { return res ? HeaderList(res.headers).get(name) : undefined; },
      getResponseCookie: function (name) {
        var v = pmObject.cookies.get(name);
        return v === undefined ? undefined : { name: name, value: v };
      },
    };
  }
  function legacyValue(name, pmObject) {
    // a legacy global, made only when the script names it
    var res = current.response, req;
    switch (name) {
      case 'pm': return pmObject;
      case 'postman': return makePostman(pmObject);
      case 'tests': return current.legacyTests;
      case 'responseBody': return res ? res.body : undefined;
      case 'responseCode': return res ? { code: res.code, name: res.status, detail: res.status } : undefined;
      case 'responseTime': return res ? res.responseTime : undefined;
      case 'responseHeaders':
        if (!res) return undefined;
        var headers = {};
        res.headers.forEach(function (p) { headers[p[0]] = p[1]; });
        return headers;
      case 'responseCookies': return res ? pmObject.cookies.all() : undefined;
      case 'request':
        req = current.request || {};
        var reqHeaders = {};
        (req.headers || []).forEach(function (p) { reqHeaders[p[0]] = p[1]; });
        return { id: current.info.requestId, name: current.info.requestName, method: req.method, url: req.url, headers: reqHeaders, data: req.body };
      case 'environment': return scopes.environment.toObject();
      case 'globals': return scopes.globals.toObject();
      case 'data': return Object.assign({}, current.scopes.data || {});
      case 'iteration': return 0;
      case 'require': return requireModule;
      case 'console': return consoleApi;
      case 'setTimeout': return setTimer;
      case 'clearTimeout': return clearTimer;
      case 'setInterval': return unsupported('setInterval', 'a script runs to its end once');
      case 'clearInterval': return clearTimer;
      case 'setImmediate': return function (fn) { return setTimer(fn, 0); };
      case '_': return libs.lodash;
      case 'CryptoJS': return libs.CryptoJS;
      case 'tv4': return libs.tv4;
      case 'xml2Json': return libs.xml2Json;
      case 'Buffer': return libs.Buffer;
      case 'cheerio': return unsupported('cheerio', 'HTML parsing is not provided');
    }
    return undefined;
  }

  var compiled = new Map(); // script text -> [frozen function, the legacy names it uses]
  // the legacy names a script spells as names of their own (not `x.tests`): one scan of its
  // identifiers (twice as fast as one regex of the 25 names, fourteen times 25 regexes)
  var LEGACY_NAMES = new Set(LEGACY);
  var IDENTIFIER = /[A-Za-z_$][\w$]*/g;
  function legacyUsed(code) {
    var named = {}, m, before;
    IDENTIFIER.lastIndex = 0;
    while ((m = IDENTIFIER.exec(code)) !== null) {
      if (!LEGACY_NAMES.has(m[0])) continue;
      before = m.index ? code.charCodeAt(m.index - 1) : 0;
      if (before !== 46 && !(before >= 48 && before <= 57)) named[m[0]] = true; // not after '.' or a digit
    }
    return LEGACY.filter(function (name) { return named[name] === true; });
  }
  function compile(code) {
    var hit = compiled.get(code);
    if (hit) return hit;
    var used = legacyUsed(code);
    if (used.indexOf('pm') === -1) used.push('pm');
    var fn = Function.apply(null, used.concat([code]));
    Object.freeze(fn);
    if (compiled.size >= 256) compiled.clear();
    hit = [fn, used];
    compiled.set(code, hit);
    return hit;
  }

  function run(inputJson, codesJson) {
    // codesJson: the scripts to run in order (collection, folders, request), each in its own
    // function scope with its own pm object, sharing the variable scopes as Postman's do
    var input = JSON.parse(inputJson);
    var codes = JSON.parse(codesJson);
    current = {
      event: input.event, info: input.info, request: input.request, response: input.response,
      scopes: input.scopes, fallback: input.fallback || {}, dynamic: input.dynamic || {}, dynamicUsed: {},
      hidden: { environment: {}, collection: {}, globals: {}, local: {} },
      touched: {}, tests: [], legacyTests: {}, legacyFlushed: [], seq: 0, logs: [], logsDropped: 0, headerOps: [],
      timers: [], timerCount: 0, clock: 0, error: null, errorAt: null, made: {},
      network: input.network === true, outbox: [], sends: {}, sendCount: 0, sendFailures: [],
    };
    ['environment', 'collection', 'globals', 'local', 'data'].forEach(function (k) { current.scopes[k] = current.scopes[k] || {}; });
    current.info.eventName = input.event;
    current.info.iteration = 0;
    current.info.iterationCount = 1;
    for (var i = 0; i < codes.length && current.error === null; i++) {
      current.made = {};
      current.legacyTests = {}; // each script has its own tests object, as each is its own execution in Postman
      var pmObject = buildPm();
      pm = pmObject;
      var entry;
      try {
        entry = compile(codes[i]);
      } catch (e) {
        current.error = errorText(e);
        current.errorAt = i;
        return;
      }
      try {
        entry[0].apply(undefined, entry[1].map(function (k) { return legacyValue(k, pmObject); }));
      } catch (e) {
        current.error = errorText(e);
        current.errorAt = i;
      }
      flushLegacy();
    }
  }
  function tick() {
    // the timers due next, in order of their time; false when none are left
    if (current === null || current.error !== null || current.timers.length === 0) return false;
    current.timers.sort(function (a, b) { return a.at - b.at || a.id - b.id; });
    var next = current.timers.shift();
    current.clock = next.at;
    try { next.fn.apply(undefined, next.args); } catch (e) { current.error = errorText(e); }
    return true;
  }
  function finish(clean) {
    // clean: whether the global object is back to its first state (__qaflow_clean)
    var c = current;
    current = null;
    pm = null;
    var tests = c.tests.map(function (t, i) { return [t.seq, i, t]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; }).map(function (pair) {
        var t = pair[2];
        if (t.waiting) return { name: t.name, passed: false, error: 'Error: the asynchronous test never called done()', skipped: false };
        return { name: t.name, passed: t.passed, error: t.error, skipped: t.skipped };
      });
    c.legacyFlushed.forEach(function (flushed) { // tests[...] set later, by a timer or callback: kept, not dropped
      Object.keys(flushed[0]).forEach(function (name) { if (flushed[1].indexOf(name) === -1) tests.push(legacyEntry(name, flushed[0][name])); });
    });
    if (c.error !== null && c.sendFailures.length) c.error += ' (after pm.sendRequest ' + c.sendFailures.join('; ') + ')';
    var unset = {};
    Object.keys(c.hidden).forEach(function (k) { unset[k] = Object.keys(c.hidden[k]); });
    var out;
    try {
      out = JSON.stringify({
        tests: tests, error: c.error, errorAt: c.errorAt, logs: c.logs, logsDropped: c.logsDropped, headerOps: c.headerOps,
        scopes: { environment: c.scopes.environment, collection: c.scopes.collection, globals: c.scopes.globals, local: c.scopes.local },
        unset: unset, touched: Object.keys(c.touched), clean: clean === true,
      });
    } catch (e) {
      out = JSON.stringify({ tests: tests, error: 'a variable set by the script cannot be stored: ' + errorText(e), errorAt: null, logs: c.logs,
        logsDropped: c.logsDropped, headerOps: c.headerOps, scopes: null, unset: unset, touched: [], clean: clean === true });
    }
    return out;
  }
  return { run: run, tick: tick, finish: finish, outbox: outbox, deliver: deliver };
})();

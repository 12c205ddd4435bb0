/* SPDX-License-Identifier: MIT */
/*
 * The HTML report: one self-contained page (no network), the report's JSON
 * embedded and drawn by a small script: the summary, a table of maps that
 * sorts by any column, each map's held bytes as a bar of its parts, its
 * chain-length or group-fill histogram as a chart; for a diff, the changes.
 * It formats only: every number comes from the JSON the other emitters write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

static const char style[] =
    "body{font:14px system-ui,sans-serif;margin:24px;color:#222}"
    "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}"
    "th{cursor:pointer;background:#f3f3f3;user-select:none}th.sorted:after{content:' \\25BC'}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.map:hover{background:#f6f9ff;cursor:pointer}"
    ".bar{display:flex;height:14px;background:#eee}.bar span{display:block;height:100%}"
    "details summary{cursor:pointer}details ol{margin:4px 0;white-space:normal}"
    ".spread{color:#555;font-size:12px}h2+table.totals{width:auto}"
    ".kv{display:grid;grid-template-columns:max-content auto;gap:2px 16px}"
    ".legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}"
    ".bad{color:#b00}.good{color:#070}svg text{font-size:11px}";

/* The page's script, in pieces (C99 promises string literals of 4095 bytes only). */
static const char *const script[] = {
    "const D=JSON.parse(document.getElementById('data').textContent);const "
    "C={'live-entries':'#2e7d32','empty-slots':'#c8e6c9','deleted-slots':'#e53935','tophash-bytes':"
    "'#90a4ae','control-bytes':'#90a4ae','kv-padding':'#ffb300','overflow-pointers':'#b0bec5','"
    "indirect-keys':'#1e88e5','indirect-values':'#64b5f6','header-structs':'#8d6e63','directory':'#"
    "a1887f','overflow-slice':'#ce93d8','growth-copy':'#ab47bc','size-class-rounding':'#fb8c00','"
    "malloc-headers':'#6d4c41'};function B(n){if(n===null||n===undefined)return'-';const "
    "u=['B','KiB','MiB','GiB','TiB'];let "
    "v=Math.abs(n),i=0;while(v>=1024&&i<4){v/"
    "=1024;i++}return(n<0?'-':'')+(i?v.toFixed(v<10?2:1):v)+' '+u[i]}function E(t,a,k){const "
    "e=document.createElement(t);if(a)for(const x in "
    "a)e.setAttribute(x,a[x]);if(k!==undefined)e.textContent=k;return e}function N(n){return "
    "n===null||n===undefined?'-':Number(n).toLocaleString('en-US')}function "
    "P(x){return(100*x).toFixed(1)+'%'}function bar(m,mx){const b=E('div',{class:'bar',title:'held "
    "bytes by part'});b.style.width=(mx?Math.max(1,240*m.held_bytes/mx):240)+'px';for(const k in "
    "m.held){if(!m.held[k]||!m.held_bytes)continue;const s=E('span',{title:k+': "
    "'+B(m.held[k])});s.style.width=(100*m.held[k]/"
    "m.held_bytes)+'%';s.style.background=C[k]||'#999';b.appendChild(s)}return b}function "
    "tbar(v,mx){const b=E('div',{class:'bar',title:B(v)});const "
    "s=E('span');s.style.width='100%';s.style.background='#1e88e5';b.appendChild(s);b.style.width=("
    "mx?Math.max(1,240*v/mx):0)+'px';return b}function hist(h,label){const "
    "w=16,H=80,mx=Math.max(1,...h);const "
    "s=document.createElementNS('http://www.w3.org/2000/"
    "svg','svg');s.setAttribute('width',h.length*(w+4)+40);s.setAttribute('height',H+30);h.forEach("
    "(v,i)=>{const r=document.createElementNS(s.namespaceURI,'rect');const "
    "y=H-Math.round(H*v/"
    "mx);r.setAttribute('x',30+i*(w+4));r.setAttribute('y',y);r.setAttribute('width',w);r."
    "setAttribute('height',H-y);r.setAttribute('fill','#1e88e5');const "
    "t=document.createElementNS(s.namespaceURI,'title');t.textContent=i+': "
    "'+v;r.appendChild(t);s.appendChild(r);const "
    "x=document.createElementNS(s.namespaceURI,'text');x.setAttribute('x',30+i*(w+4)+3);x."
    "setAttribute('y',H+14);x.textContent=i;s.appendChild(x)});const "
    "d=E('div');d.appendChild(E('div',null,label));d.appendChild(s);return d}function "
    "detail(m){const "
    "d=document.getElementById('detail');d.innerHTML='';d.appendChild(E('h2',null,(m.paths[0]||m."
    "where)+'  '+m.type));const g=E('div',{class:'kv'});const "
    "f=['address','impl','found_by','len','capacity_slots','load','held_bytes','fresh_bytes','"
    "fresh_high_bytes','reclaimable_bytes','payload_bytes','retained_bytes','retained_nested','B','"
    "buckets_allocated','overflow_buckets','max_chain','"
    "growing','dir_len','tables','tombstones','growth_left','error'];for(const k of f)if(k in "
    "m){g.appendChild(E('div',null,k));g.appendChild(E('div',null,/bytes$/"
    ".test(k)?B(m[k]):k==='load'?P(m[k]):typeof m[k]==='number'?N(m[k]):String(m[k])))}",
    "d.appendChild(g);d.appendChild(E('h2',null,'held bytes by "
    "part'));d.appendChild(bar(m,0));const l=E('div',{class:'legend'});for(const k in "
    "m.held)if(m.held[k]){const "
    "s=E('span');s.style.background=C[k];l.appendChild(s);l.appendChild(document.createTextNode(k+'"
    " '+B(m.held[k])))}d.appendChild(l);if(m.chain_histogram&&m.chain_histogram.length)d."
    "appendChild(hist(m.chain_histogram,'chain lengths: main buckets with N overflow "
    "buckets'));if(m.group_fill_histogram&&m.group_fill_histogram.length)d.appendChild(hist(m."
    "group_fill_histogram,'group fill: groups with N full slots'))}function "
    "table(id,cols,rows,onrow,limit){const t=document.getElementById(id);const "
    "th=t.tHead.rows[0],tb=t.tBodies[0];let "
    "key=cols.find(c=>c.sort)||cols[0],asc=false,lim=limit||Infinity;function draw(){const "
    "r=rows.slice().sort((a,b)=>{const x=key.v(a),y=key.v(b);const c=typeof "
    "x==='number'?x-y:String(x).localeCompare(String(y));return "
    "asc?c:-c});tb.innerHTML='';for(const o of r.slice(0,lim)){const tr=E('tr',{class:o.g?'map "
    "group':'map'});for(const c of cols){const td=E('td',c.num?{class:'n'}:null);const "
    "v=c.show?c.show(o):c.v(o);if(v instanceof Node)td.appendChild(v);else "
    "td.textContent=v;tr.appendChild(td)}if(onrow)tr.onclick=()=>{if(onrow(o)!==false)document."
    "getElementById('detail').scrollIntoView()};tb.appendChild(tr)}for(const h of "
    "th.cells)h.className=h.dataset.key===key.key?'sorted':''}for(const c of cols){const "
    "h=E('th',{'data-key':c.key},c.title);h.onclick=()=>{asc=key===c?!asc:false;key=c;draw()};th."
    "appendChild(h)}draw();return{all(){lim=Infinity;draw()},shown(){return "
    "Math.min(lim,rows.length)}}}const NS='http://www.w3.org/2000/svg';function S(t,a){const "
    "e=document.createElementNS(NS,t);for(const x in a)e.setAttribute(x,a[x]);return e}function "
    "sdesc(o){return o.small?'small (one group)':('tables' in o)?o.tables+(o.tables===1?' table, "
    "':' tables, ')+o.capacity_slots+' slots, '+o.tombstones+' tombstones':'B='+o.B+', "
    "'+o.overflow_buckets+' overflow'+(o.growing?', growing':'')}function sim(){const "
    "col=['#1e88e5','#e53935','#43a047','#fb8c00','#8e24aa','#00897b','#6d4c41','#3949ab','#c0ca33'"
    ",'#d81b60','#546e7a'];document.getElementById('summary').textContent=D.type+' on '+D.arch+', "
    "'+D.ops+' operations: '+D.runs.map(r=>r.go_version+' final '+B(r.final.held_bytes)+', peak "
    "'+B(r.final.peak_bytes)).join('; ');const W=720,H=240,P=60;let mx=1;for(const r of "
    "D.runs)for(const v of r.series.held_bytes)mx=Math.max(mx,v);const "
    "g=S('svg',{width:W+2*P+120,height:H+2*P,id:'chart'});g.appendChild(S('line',{x1:P,y1:P+H,x2:P+"
    "W,y2:P+H,stroke:'#888'}));g.appendChild(S('line',{x1:P,y1:P,x2:P,y2:P+H,stroke:'#888'}));"
    "const yl=S('text',{x:4,y:P+4});yl.textContent=B(mx);g.appendChild(yl);const "
    "xl=S('text',{x:P+W-60,y:P+H+18});xl.textContent=D.ops+' "
    "ops';g.appendChild(xl);D.runs.forEach((r,i)=>{const s=r.series,c=col[i%col.length];",
    "g.appendChild(S('polyline',{class:'series','data-go':r.go_version,fill:'none',stroke:c,points:"
    "s.held_bytes.map((v,j)=>(P+W*Math.min(1,j*s.step_ops/"
    "Math.max(1,D.ops))).toFixed(1)+','+(P+H-H*v/mx).toFixed(1)).join(' ')}));const "
    "t=S('text',{x:P+W+10,y:P+14+16*i,fill:c});t.textContent=r.go_version;g.appendChild(t)});const "
    "d=document.getElementById('detail');d.appendChild(E('h2',null,'held bytes over "
    "time'));d.appendChild(g);const rows=[];for(const r of D.runs)for(const p of "
    "r.checkpoints.concat([r.final]))rows.push(Object.assign({go:r.go_version},p));table('maps',[{"
    "key:'go',title:'go',v:o=>o.go},{key:'name',title:'checkpoint',v:o=>o.name},{key:'ops',title:'"
    "ops',num:1,sort:1,v:o=>o.ops},{key:'len',title:'len',num:1,v:o=>o.len},{key:'held',title:'"
    "held',num:1,v:o=>o.held_bytes,show:o=>B(o.held_bytes)},{key:'spread',title:'over "
    "seeds',v:o=>o.held_low_bytes,show:o=>B(o.held_low_bytes)+' .. "
    "'+B(o.held_high_bytes)},{key:'peak',title:'peak',num:1,v:o=>o.peak_bytes||0,show:o=>o.peak_"
    "bytes?B(o.peak_bytes):''},{key:'st',title:'structure',v:sdesc}],rows)}if(D.kind==='simulation'"
    ")sim();else if(D.kind==='diff'){const "
    "s=D.summary;document.getElementById('summary').textContent='a: '+D.a.source+' "
    "('+D.a.go_version+'), b: '+D.b.source+' ('+D.b.go_version+'): held '+B(s.delta_held_bytes)+', "
    "'+s.changed+' changed, '+s.same+' same, '+s.appeared+' appeared, '+s.disappeared+' "
    "disappeared';table('maps',[{key:'key',title:'map',v:o=>o.key},{key:'status',title:'status',v:"
    "o=>o.status},{key:'type',title:'type',v:o=>o.type},{key:'a',title:'held "
    "a',num:1,v:o=>o.a?o.a.held_bytes:0,show:o=>B(o.a&&o.a.held_bytes)},{key:'b',title:'held "
    "b',num:1,v:o=>o.b?o.b.held_bytes:0,show:o=>B(o.b&&o.b.held_bytes)},{key:'delta',title:'change'"
    ",num:1,sort:1,v:o=>Math.abs(o.delta_held_bytes),show:o=>B(o.delta_held_bytes)},{key:'len',"
    "title:'len change',num:1,v:o=>o.delta_len,show:o=>N(o.delta_len)}],D.maps)}else{const "
    "s=D.summary;document.getElementById('summary').textContent=(s.filter?'summary of the "
    "'+N(s.maps)+' maps matching --filter '+s.filter+' (the process has '+N(s.unfiltered_maps)+' "
    "maps holding '+B(s.unfiltered_held_bytes)+'). ':'')+D.source+': '+D.go_version+' '+D.arch+', "
    "'+N(s.maps)+' maps, '+N(s.len)+' entries, held '+B(s.held_bytes)+' ('+P(s.heap_share)+' of "
    "the heap in use), reclaimable '+B(s.reclaimable_bytes)+(s.heap_graph?', payload "
    "'+B(s.total_payload_bytes)+', retained '+B(s.total_retained_bytes):'')+(s.pause_ns?', attach "
    "paused it "
    "'+(s.pause_ns/1e6).toFixed(1)+' ms'+(s.attach_method?' ('+s.attach_method+')':''):'');const "
    "mt=document.getElementById('maps');function totals(title,id,what,list){const "
    "mx=Math.max(1,...list.map(x=>x.held_bytes));const "
    "t=E('table',{id:id,class:'totals'});t.appendChild(E('thead')).appendChild(E('tr'));t."
    "appendChild(E('tbody'));mt.parentNode.insertBefore(E('h2',null,title),mt);mt.parentNode."
    "insertBefore(t,mt);table(id,[{key:'name',title:what,v:o=>o.name},{key:'maps',title:'maps',num:"
    "1,v:o=>o.maps,show:o=>N(o.maps)},{key:'len',title:'len',num:1,v:o=>o.len,show:o=>N(o.len)}",
    ",{key:'held',title:'held',num:1,sort:1,v:o=>o.held_bytes,show:o=>B(o.held_bytes)},{key:'"
    "reclaimable',title:'reclaimable',num:1,v:o=>o.reclaimable_bytes,show:o=>B(o.reclaimable_bytes)"
    "},{key:'bar',title:'',v:o=>o.held_bytes,show:o=>tbar(o.held_bytes,mx)}],list)}totals('by "
    "type','by_type','type',s.by_type);totals('by "
    "package','by_package','package',s.by_package);mt.parentNode.insertBefore(E('h2',null,'maps'),"
    "mt);const A={};for(const m of D.maps)A[m.address]=m;const inG=new Set(),rows=[];for(const g "
    "of D.groups||[]){const ms=g.addresses.map(a=>A[a]).filter(x=>x);if(ms.length<2)continue;const "
    "held={};for(const m of ms){inG.add(m.address);for(const k in "
    "m.held)held[k]=(held[k]||0)+m.held[k]}rows.push({g:g,maps:ms,type:g.type,impl:ms[0].impl,len:"
    "g.len,held_bytes:g.held_bytes,reclaimable_bytes:g.reclaimable_bytes,retained_bytes:ms.reduce("
    "(a,m)=>a+(m.retained_bytes||0),0),held:held})}for(const m "
    "of D.maps)if(!inG.has(m.address))rows.push(m);function gdet(o){const "
    "g=o.g,d=E('details');d.appendChild(E('summary',null,g.pattern+'  ('+N(g.maps)+' "
    "maps)'));d.appendChild(E('div',{class:'spread'},'each: len '+N(g.len_min)+' / "
    "'+N(g.len_median)+' / '+N(g.len_max)+', held '+B(g.held_min_bytes)+' / "
    "'+B(g.held_median_bytes)+' / '+B(g.held_max_bytes)+' (min / median / max)'));const "
    "l=E('ol');for(const m of o.maps.slice(0,50)){const "
    "li=E('li'),a=E('a',{href:'#detail'},(m.paths[0]||m.where)+'  '+B(m.held_bytes)+', len "
    "'+N(m.len));a.onclick=ev=>{ev.stopPropagation();detail(m)};li.appendChild(a);l.appendChild(li)"
    "}if(o.maps.length>50)l.appendChild(E('li',null,'and '+N(o.maps.length-50)+' "
    "more'));d.appendChild(l);return d}const "
    "mx=Math.max(1,...rows.map(o=>o.held_bytes)),lim=+mt.dataset.top||100;const "
    "T=table('maps',[{key:'path',title:'map',v:o=>o.g?o.g.pattern:(o.paths[0]||o.where),show:o=>o."
    "g?gdet(o):(o.paths[0]||o.where)},{key:'type',title:'type',v:o=>o.type},{key:'impl',title:'"
    "impl',v:o=>o.impl},{key:'n',title:'maps',num:1,v:o=>o.g?o.g.maps:1,show:o=>N(o.g?o.g.maps:1)},"
    "{key:'len',title:'len',num:1,v:o=>o.len,show:o=>N(o.len)},{key:'held',title:'held',num:1,sort:"
    "1,v:o=>o.held_bytes,show:o=>B(o.held_bytes)},{key:'reclaimable',title:'reclaimable',num:1,v:o="
    ">o.reclaimable_bytes,show:o=>B(o.reclaimable_bytes)},...(s.heap_graph?[{key:'retained',title:"
    "'retained',num:1,v:o=>o.retained_bytes||0,show:o=>B(o.retained_bytes||0)}]:[]),{key:"
    "'breakdown',title:'held bytes by "
    "part',v:o=>o.held_bytes,show:o=>bar(o,mx)}],rows,o=>o.g?false:detail(o),lim);const "
    "sh=E('p',{id:'shown'});mt.parentNode.insertBefore(sh,mt.nextSibling);function upd(){const "
    "n=T.shown();sh.textContent=N(n)+' of '+N(rows.length)+' shown ('+N(D.maps.length)+' maps; a "
    "group of repeats is one row) ';if(n<rows.length){const b=E('button',{id:'showall'},'show "
    "all');b.onclick=()=>{T.all();upd()};sh.appendChild(b)}}upd();if(D.maps.length)detail(D.maps."
    "slice().sort((a,b)=>b.held_bytes-a.held_bytes)[0])}",
    NULL,
};

/* Write text into a <script> element: "</" must never appear in it. */
static int put_script_text(FILE *out, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '<' && i + 1 < len && text[i + 1] == '/') {
			if (fputs("<\\/", out) == EOF)
				return -1;
			i++;
		} else if (fputc(text[i], out) == EOF) {
			return -1;
		}
	}
	return 0;
}

static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else
			fputc(*s, out);
	}
}

/* The page around a JSON document that write_json produces into memory. */
static struct ms_error *page(FILE *out, const char *title,
                             struct ms_error *(*write_json)(FILE *, const void *), const void *arg,
                             size_t top)
{
	char *json = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&json, &len);
	struct ms_error *err;

	if (!mem)
		return &ms_error_nomem;
	err = write_json(mem, arg);
	if (fclose(mem) != 0 && !err)
		err = &ms_error_nomem;
	if (err) {
		free(json);
		return err;
	}
	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mapsize: ",
	      out);
	put_escaped(out, title);
	fprintf(out, "</title><style>%s</style></head>\n<body><h1>mapsize: ", style);
	put_escaped(out, title);
	/* data-top: the rows the table shows at first (a group of repeats is one) */
	fprintf(out,
	        "</h1><p id=\"summary\"></p>\n<table id=\"maps\" data-top=\"%zu\"><thead><tr></tr>"
	        "</thead><tbody></tbody></table>\n<div id=\"detail\"></div>\n"
	        "<script type=\"application/json\" id=\"data\">",
	        top);
	if (put_script_text(out, json, len) != 0) {
		free(json);
		return ms_error_create(MS_ERR_IO, "cannot write the HTML report");
	}
	free(json);
	fputs("</script>\n<script>", out);
	for (size_t i = 0; script[i]; i++)
		fputs(script[i], out);
	fputs("</script></body></html>\n", out);
	if (ferror(out))
		return ms_error_create(MS_ERR_IO, "cannot write the HTML report");
	return NULL;
}

struct html_inspect {
	const struct ms_inspect_report *r;
	const struct ms_report_view *view;
};

static struct ms_error *inspect_json_of(FILE *out, const void *arg)
{
	const struct html_inspect *h = arg;
	struct ms_emit_opts none = {0};
	struct ms_report_view all = {MS_SORT_HELD, 0, h->view ? h->view->filter : NULL};

	/* every map goes in; the page shows the --top rows first (100 without it) */
	return ms_emit_inspect_json(out, h->r, &all, &none);
}

struct ms_error *ms_emit_inspect_html(FILE *out, const struct ms_inspect_report *r,
                                      const struct ms_report_view *view,
                                      const struct ms_emit_opts *opts)
{
	struct html_inspect h = {r, view};

	return page(out, r->source, inspect_json_of, &h, view && view->top ? view->top : 100);
}

struct html_sim {
	const struct ms_map_type *type;
	const char *script_text;
	const struct ms_sim_run *runs;
	size_t n;
};

static struct ms_error *sim_json_of(FILE *out, const void *arg)
{
	const struct html_sim *h = arg;

	struct ms_emit_opts none = {0};

	return ms_emit_simulation_json(out, h->type, h->script_text, h->runs, h->n, &none);
}

struct ms_error *ms_emit_simulation_html(FILE *out, const struct ms_map_type *type,
                                         const char *script_text, const struct ms_sim_run *runs,
                                         size_t n, const struct ms_emit_opts *opts)
{
	struct html_sim h = {type, script_text, runs, n};
	char title[512];

	snprintf(title, sizeof(title), "simulate %s", type->name);
	return page(out, title, sim_json_of, &h, 0);
}

struct html_diff {
	const struct ms_diff *d;
	size_t top;
};

static struct ms_error *diff_json_of(FILE *out, const void *arg)
{
	const struct html_diff *h = arg;
	struct ms_emit_opts none = {0};

	return ms_emit_diff_json(out, h->d, h->top, &none);
}

struct ms_error *ms_emit_diff_html(FILE *out, const struct ms_diff *d, size_t top,
                                   const struct ms_emit_opts *opts)
{
	struct html_diff h = {d, top};
	char title[512];

	snprintf(title, sizeof(title), "%s vs %s", d->a->source, d->b->source);
	return page(out, title, diff_json_of, &h, 0);
}

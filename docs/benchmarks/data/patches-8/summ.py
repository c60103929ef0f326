import json,sys
for f in sys.argv[1:]:
    d=json.load(open(f))
    r=d['realizations'][0]
    print(f, d.get('status'), 'states',r['states'],'cert',r['certified'],'maxres',r.get('max_residual'),'orth',r.get('max_orthogonality_error'))
    print('  timings', {k:round(v,1) for k,v in r['timings_seconds'].items()})
    print('  counters', r['counters'])
    p=r.get('patches',{})
    print('  layout',p.get('layout'),'pilot',[(x['halo'],'%.2g'%x['residual_p90_relative']) for x in p.get('pilot',[])])
    print('  passes',p.get('passes'),'fallback',p.get('fallback'), 'notes', r.get('notes'))
    print('  wall', d['provenance'].get('wall_time_seconds'))

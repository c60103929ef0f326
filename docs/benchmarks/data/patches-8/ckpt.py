# per-patch seconds and state counts from a PatchCheckpoint patches.bin (format: PatchCheckpoint.swift)
import struct,sys
raw=open(sys.argv[1],'rb').read(); n=len(raw)//8
w=struct.unpack('<%dQ'%n, raw[:8*n])
k=0; out=[]
while k+7<=n:
    magic,plan,patch,pas,dense,sec,count=w[k:k+7]; k+=7
    states=0
    ok=True
    for _ in range(count):
        if k+14>n: ok=False;break
        m=w[k+13]; k+=14+m; states+=1
    if not ok or k>=n: break
    k+=1  # checksum
    out.append((patch,pas,struct.unpack('<d',struct.pack('<Q',sec))[0],count))
for p,pa,s,c in out: print('patch',p,'pass',pa,'seconds %.1f'%s,'kept',c)
print('records',len(out))

"""Every write of voting/: one transaction each, with its entry in the assembly's hash-chained log.

- `audit`: the hash chain (append, verify)
- `roll`: freezing the roll at announcement (SPC arts. 8 and 9)
- `assemblies`: create, announce, open, close, cancel, publish
- `ballots`: online and paper ballots, receipts, refusals
- `tally`: the art. 278 tally (strict and deemed consent), stored per motion
"""

"""The fix of one port entry: what ``bindguard fix`` writes there, or why it leaves it to a person.

``remedy.decide`` makes the one decision per entry (the splice from ``rewrite``, then
its proof: the new entry read as lint reads it) that both lint's ``fix:`` hints and the
``fix`` command (``bindguard.fix``) carry out.  It sits below ``lint`` and ``fix``, so
that lint can show hints without importing the command that lints first (issue 26: the
package cycle ``fix`` <-> ``lint`` is gone).
"""

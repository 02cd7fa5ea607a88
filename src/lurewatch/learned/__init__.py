"""Learned evidence: a text model for job adverts (an explained finding beside the indicators) and
recalibration of indicator weights from cases analysts closed (`lurewatch train --from-cases`)."""
